// group_committer.cc: leader/follower group commit over QueueStore::CommitBatch.
#include "mta/queue/group_committer.h"

#include <vector>

namespace mta::queue {

Result<std::string> GroupCommitter::Commit(const Envelope& env, std::string_view message) {
  Slot me{PendingMessage{&env, message}};
  std::unique_lock<std::mutex> lock(mu_);
  waiting_.push_back(&me);
  while (!me.done) {
    if (leader_active_) {
      cv_.wait(lock);
      continue;
    }
    // Lead one batch (which may or may not contain this caller's slot).
    leader_active_ = true;
    std::vector<Slot*> batch;
    while (!waiting_.empty() && batch.size() < max_batch_) {
      batch.push_back(waiting_.front());
      waiting_.pop_front();
    }
    lock.unlock();
    std::vector<PendingMessage> msgs;
    msgs.reserve(batch.size());
    for (Slot* s : batch) msgs.push_back(s->msg);
    auto results = store_.CommitBatch(msgs);
    lock.lock();
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i]->result = std::move(results[i]);
      batch[i]->done = true;
    }
    ++batches_;
    messages_ += batch.size();
    if (batch.size() > largest_) largest_ = batch.size();
    leader_active_ = false;
    cv_.notify_all();
  }
  return std::move(me.result);
}

size_t GroupCommitter::batches() const {
  std::lock_guard<std::mutex> l(mu_);
  return batches_;
}
size_t GroupCommitter::messages() const {
  std::lock_guard<std::mutex> l(mu_);
  return messages_;
}
size_t GroupCommitter::largest_batch() const {
  std::lock_guard<std::mutex> l(mu_);
  return largest_;
}

}  // namespace mta::queue
