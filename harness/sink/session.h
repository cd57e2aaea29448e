// session.h: the capture sink's SMTP server side of one connection, as a pure state
// machine over bytes: bytes in, replies out (with delays and a close flag), transactions
// recorded. No I/O: capture_sink.cc drives it from a socket.
//
// RFC 5321 4.1.1 (commands), 4.1.4 (EHLO/RSET reset the transaction, 503 on bad
// sequence), 4.1.1.4 and 4.5.2 (DATA, dot-stuffing, end of data only at <CRLF>.<CRLF>),
// 4.5.3.1 (limits), RFC 2920 (pipelined commands are answered in order), RFC 3030 (BDAT,
// when CHUNKING is advertised).
//
//   Session s(behaviour, "127.0.0.20:2526", "127.0.0.11", NowMs);
//   s.Start();                      // greeting
//   s.Feed("EHLO x\r\nMAIL FROM:<a@b>\r\n");   // two replies
//   std::vector<Captured> done = s.TakeCaptured();
//   s.Feed("QUIT\r\n");            // Output{quit_reply = true}; End().quit
//   s.QuitReplyDone(true, false);   // the driver wrote the 221, the client was still there
//   s.Ended();                      // End().closed: final for every transaction recorded
#ifndef MTA_HARNESS_SINK_SESSION_H_
#define MTA_HARNESS_SINK_SESSION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "harness/sink/behaviour.h"
#include "harness/sink/captured.h"
#include "mta/lib/data/decoder.h"

namespace mta::sink {

// Something to write: wait delay_ms, write bytes (may be empty), then close when asked.
struct Output {
  std::string bytes;
  int delay_ms = 0;
  bool close = false;
  bool quit_reply = false;  // the reply to QUIT: the driver reports with QuitReplyDone
  bool eod_reply = false;   // a delayed reply to the final dot: reported with EodReplyDone
};

class Session {
 public:
  Session(const Behaviour& b, std::string listen, std::string peer_ip,
          std::function<int64_t()> now_ms);
  ~Session();

  std::vector<Output> Start();                      // the greeting
  std::vector<Output> Feed(std::string_view chunk);  // client bytes; nothing once closed
  std::vector<Output> IdleTimeout();                 // 421 4.4.2 and close
  void Eof();                                        // the client went away
  bool closed() const { return closed_; }
  // The reply to QUIT (an Output with quit_reply): written or not, and whether the client
  // had closed its side first (RFC 5321 4.1.1.10: it SHOULD wait for the reply).
  void QuitReplyDone(bool written, bool client_closed_first);
  // The same for a delayed reply to the final dot (RFC 5321 4.5.3.2.6: the client SHOULD
  // wait 10 minutes for it).
  void EodReplyDone(bool client_closed_first);
  // The connection is over (socket closed): Eof() if needed, then the SessionEnd that every
  // transaction of this connection shares becomes final (closed, closed_unix_ms).
  void Ended();
  const std::shared_ptr<SessionEndCell>& session_end() const { return end_; }
  // Transactions finished since the last call (an unfinished one is recorded on RSET,
  // EHLO/HELO, a new greeting state, QUIT or Eof).
  std::vector<Captured> TakeCaptured();

 private:
  enum class Mode { kCommand, kData, kBdat, kClosed };
  void Command(const std::string& line, std::vector<Output>& out);
  void Send(std::vector<Output>& out, const std::string& cmd, int code, const std::string& text,
            const Reply* override_reply = nullptr);
  void Begin(const std::string& path, const std::string& params);
  void Finish(bool complete);  // record the current transaction
  void EndData(std::vector<Output>& out);
  void EndBdatChunk(std::vector<Output>& out);
  void Note(const std::string& who, std::string_view text);
  std::string Enh(const char* code) const;  // "2.1.0 " when ENHANCEDSTATUSCODES is on

  const Behaviour& b_;
  std::string listen_, peer_;
  std::function<int64_t()> now_;
  std::vector<std::regex> rcpt_res_;
  int64_t connected_ms_ = 0;
  Mode mode_ = Mode::kCommand;
  bool closed_ = false;
  bool refuse_ = false;  // 554 greeting: 503 to everything but QUIT (RFC 5321 3.1)
  bool overflow_ = false;
  std::string buf_;
  std::string helo_verb_, helo_;
  bool in_tx_ = false;
  Captured tx_;
  std::unique_ptr<data::DataDecoder> dec_;
  uint64_t bdat_left_ = 0;
  bool bdat_last_ = false;
  bool bdat_discard_ = false;
  std::string bdat_refusal_;
  std::string transcript_;
  bool transcript_full_ = false;
  std::vector<Captured> done_;
  std::shared_ptr<SessionEndCell> end_ = std::make_shared<SessionEndCell>();
};

}  // namespace mta::sink

#endif  // MTA_HARNESS_SINK_SESSION_H_
