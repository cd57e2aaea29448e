// group_committer.h: group commit for concurrent callers of one QueueStore.
//
// Each caller blocks in Commit() until its message is durable (state S4). The first caller
// to arrive while no batch is being written becomes the leader: it takes every waiting
// message (up to max_batch), commits them with QueueStore::CommitBatch (one fsync of mess/
// and one of env/ for all), hands each caller its own result and wakes them. Callers that
// arrive meanwhile form the next batch. Nobody is acknowledged before the fsyncs that make
// their message durable have returned.
//
// An event-loop writer with no threads can call QueueStore::CommitBatch itself with the
// messages that arrived in one loop turn; this class is for thread-per-session callers.
//
//   GroupCommitter gc(store, 64);
//   Result<std::string> id = gc.Commit(env, bytes);   // from any thread
#ifndef MTA_QUEUE_GROUP_COMMITTER_H_
#define MTA_QUEUE_GROUP_COMMITTER_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

#include "mta/queue/queue_store.h"

namespace mta::queue {

class GroupCommitter {
 public:
  explicit GroupCommitter(QueueStore& store, size_t max_batch = 64)
      : store_(store), max_batch_(max_batch == 0 ? 1 : max_batch) {}

  // Thread-safe; returns once the message is durable or has failed.
  Result<std::string> Commit(const Envelope& env, std::string_view message);

  // Statistics (for tests and monitoring).
  size_t batches() const;
  size_t messages() const;
  size_t largest_batch() const;

 private:
  struct Slot {
    PendingMessage msg;
    Result<std::string> result{Status::Invalid("pending")};
    bool done = false;
  };

  QueueStore& store_;
  size_t max_batch_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Slot*> waiting_;
  bool leader_active_ = false;
  size_t batches_ = 0, messages_ = 0, largest_ = 0;
};

}  // namespace mta::queue

#endif  // MTA_QUEUE_GROUP_COMMITTER_H_
