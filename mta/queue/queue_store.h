// queue_store.h: the durable mail queue (the only writer of queue files).
//
// Layout under DIR/queue/ (all directories 0700, files 0600, owned by the queue uid):
//
//   tmp/<id>.mess   message being written          tmp/<id>.env  envelope being written
//   tmp/<id>.upd    replacement envelope being written (UpdateEnvelope)
//   mess/<id>       message bytes exactly as handed over (the server has added Received:)
//   env/<id>        envelope (envelope.h format); its presence is the commit point
//   bad/            quarantine for entries Recover() cannot make sense of
//   free/           recycled files (no meaning; see "Recycling" below)
//   lock            flock()ed by the running queue writer
//
// Queue ids are "<unix seconds, 10 digits>.<microseconds, 6>.<pid, 7>.<counter, 6>", so
// lexicographic order is arrival order; they are also checked unique against the disk.
//
// States of one message, in the manner of qmail's INTERNALS S1..S5 (X = exists):
//
//         tmp/id.*  mess/id  env/id
//   S1       -        -        -     no trace (never received, or completely removed)
//   S2       X        -        -     being written
//   S3       ?        X        -     message in place, envelope not yet committed
//   S4       -        X        X     COMMITTED: durable, the client may be told 250
//   S5       -        -        X     impossible under these rules (external damage)
//
// Commit of a batch of N messages (CommitBatch), with two flush rounds whatever N is:
//   1. S1 -> S2: write every tmp/id.mess and tmp/id.env (no fsync yet).
//   2. S2 -> S3: rename every tmp/id.mess -> mess/id.
//   3. Flush round 1 (io::FsyncAll, parallel, one journal commit): every message file,
//      every tmp/id.env, and mess/. Before it returns, a crash may leave mess/id with
//      partial bytes, but never env/id, so Recover deletes it (S3 -> S1).
//   4. S3 -> S4: rename every tmp/id.env -> env/id (the commit point: the envelope bytes and
//      the message, bytes and name, are already durable).
//   5. Flush round 2: fsync env/. Only now does Commit/CommitBatch return the ids (250).
//      A crash between 4 and 5 leaves, per message, either no env/id (S3 -> S1 on
//      Recover) or a complete S4 message that was never acknowledged (allowed: the client
//      retries; no acknowledged message is lost).
// Update:   S4 -> S4: write tmp/id.upd, fsync it, rename over env/id. Not followed by an
//           fsync of env/ (unless asked: UpdateEnvelope(..., durable=true)): after a crash env/id is the old or the new envelope, both
//           complete. The only update the scheduler makes is progress (delivered or failed
//           recipients, errors); losing it repeats deliveries, which the keyed Maildir
//           delivery turns into no-ops.
// Remove:   S4 -> S3: unlink env/id, fsync env/;  S3 -> S1: unlink mess/id. RemoveBatch
//           does this for many ids with one fsync; CommitBatch can also carry removals,
//           whose env/ unlinks then share step 5's fsync (the mess/ unlinks come after it).
//           mess/id is never unlinked before the unlink of env/id is durable, so S5 cannot
//           arise; losing the unlink of env/id in a crash only repeats a delivery (no-op).
// Recover (on start, writer lock held, before accepting): S2 -> S1 (delete tmp/*), S3 -> S1
//   (delete mess/id without env/id), S5 and unparseable envelopes -> bad/ (reported).
//   Files in free/ are taken back into the pool (their bytes mean nothing).
// Recycling: removal renames env/id and mess/id into free/ (at most kMaxPool files) instead
//   of unlinking them, and a commit overwrites a free/ file in place (write from offset 0,
//   then ftruncate to the new length) and renames it into mess/ or env/, in place of a new
//   tmp/ file. The state table is unchanged: a free/ file being overwritten plays the part
//   of tmp/id.* (S2), and a crash leaves it as a pool file. Why: on ext4 every inode
//   allocation skips the inodes freed in the last seconds one by one (recently_deleted(),
//   in find_inode_bit without a journal), so creating and freeing two inodes per message
//   makes each creation cost O(messages freed recently) CPU; freeing blocks also issues a
//   discard on file systems mounted with it. A recycled file keeps its inode and, for
//   messages of similar size, its blocks. Nothing but the queue writer opens mess/ files
//   by name after their message is removed (delivery gets a descriptor and reports
//   before the removal), so recycling never changes bytes a reader still uses.
// A crash at any instant therefore leaves no trace or a complete message (after Recover).
//
// Group commit: GroupCommitter (group_committer.h) collects concurrent callers into
// CommitBatch calls; an event loop passes it everything that arrived in one turn.
//
//   QueueStore q("/var/refmta");  q.Init();  q.Recover();
//   Result<std::string> id = q.Commit(envelope, message_bytes);   // durable on return
#ifndef MTA_QUEUE_QUEUE_STORE_H_
#define MTA_QUEUE_QUEUE_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mta/io/file.h"
#include "mta/io/status.h"
#include "mta/queue/envelope.h"

namespace mta::queue {

using io::Result;
using io::Status;

// Microseconds since the epoch; injectable for deterministic ids in tests.
using MicrosClock = std::function<int64_t()>;
int64_t RealMicros();

// "<sec:10>.<usec:6>.<pid:7>.<counter:6>"
std::string FormatQueueId(int64_t micros, int64_t pid, uint32_t counter);
// True for names made only of [0-9A-Za-z._-], 1..64 octets, not starting with '.'
// (the only names QueueStore accepts: no path tricks).
bool IsValidQueueId(std::string_view id);

struct PendingMessage {
  const Envelope* envelope;
  std::string_view message;
};

struct RecoveryReport {
  std::vector<std::string> removed_tmp;       // tmp/ names deleted (S2)
  std::vector<std::string> removed_messages;  // mess/ ids without envelope deleted (S3)
  std::vector<std::string> quarantined;       // ids moved to bad/ (S5, unparseable)
  size_t committed = 0;                       // complete messages found (S4)
  bool Clean() const {
    return removed_tmp.empty() && removed_messages.empty() && quarantined.empty();
  }
};

class QueueStore {
 public:
  // `root` is DIR; the queue lives in DIR/queue.
  explicit QueueStore(std::string root, MicrosClock clock = RealMicros);

  // Creates DIR/queue and its subdirectories (0700) when missing.
  Status Init();
  // Takes the writer lock (flock LOCK_EX|LOCK_NB on DIR/queue/lock); fails with
  // EWOULDBLOCK when another writer runs. Keep the fd open while writing.
  Result<io::UniqueFd> AcquireWriterLock();

  // Commits one message; `env.id` is ignored and set in the stored copy, and
  // arrival_time is set to now when 0. Returns the id only when durable (state S4).
  Result<std::string> Commit(const Envelope& env, std::string_view message);
  // Commits several with two flush rounds in all (see the state table); results in input
  // order. `remove` (committed ids whose every recipient is done) are removed as by
  // RemoveBatch, sharing the fsync of env/; their outcome is in *remove_status when given.
  std::vector<Result<std::string>> CommitBatch(std::span<const PendingMessage> batch,
                                               std::span<const std::string> remove = {},
                                               Status* remove_status = nullptr);

  // Committed ids (env/ entries), sorted (= arrival order).
  Result<std::vector<std::string>> List() const;
  Result<Envelope> Load(std::string_view id) const;
  Result<std::string> LoadMessage(std::string_view id) const;
  std::string MessagePath(std::string_view id) const;
  // Atomically replaces the envelope of a committed message (S4 -> S4). The new bytes are
  // durable before the rename; the rename itself is made durable (fsync of env/) only when
  // `durable` (results that cannot be repeated safely: remote deliveries, notifications).
  Status UpdateEnvelope(std::string_view id, const Envelope& env, bool durable = false);
  // Removes a message: envelope first (durably), then the message.
  Status Remove(std::string_view id);
  // Removes several: every envelope, one fsync of env/, then every message. Missing ids are
  // not an error; the first error is returned after trying all.
  Status RemoveBatch(std::span<const std::string> ids);
  // Cleans up after a crash (see the state table). Run with the writer lock held and no
  // commit in progress.
  Result<RecoveryReport> Recover();

  const std::string& queue_dir() const { return qdir_; }
  // Files currently in the recycling pool (free/).
  size_t pooled() const;

 private:
  std::string Dir(std::string_view sub) const { return qdir_ + "/" + std::string(sub); }
  std::string NewId();
  static constexpr size_t kMaxChunk = 128;  // messages flushed together (open fds: 2 each)
  std::vector<Result<std::string>> CommitChunk(std::span<const PendingMessage> batch,
                                               std::span<const std::string> remove,
                                               Status* remove_status);
  // Unlinks env/<id> of each (missing is fine); sets *changed when any unlink was done.
  Status UnlinkEnvelopes(std::span<const std::string> ids, bool* changed);
  // Unlinks mess/<id> of each id whose env/<id> is gone.
  Status UnlinkMessages(std::span<const std::string> ids);

  // Recycling pool (free/): TakePooled returns a path (removed from the pool) or "".
  static constexpr size_t kMaxPool = 4096;
  std::string TakePooled();
  std::string PoolName();  // a new unused name in free/
  void AddPooled(std::string path);
  // Moves each path into free/ or, when the pool is full, unlinks it (missing is fine);
  // one status per path.
  std::vector<Status> RecycleAll(const std::vector<std::string>& paths);
  void AdoptPool();

  std::string qdir_;
  MicrosClock clock_;
  std::atomic<uint32_t> counter_{0};
  mutable std::mutex pool_mu_;
  std::vector<std::string> pool_;
  uint64_t pool_seq_ = 0;
};

}  // namespace mta::queue

#endif  // MTA_QUEUE_QUEUE_STORE_H_
