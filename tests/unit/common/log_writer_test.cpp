#include "common/log_writer.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/common/log_lines.h"

namespace corral::log {
namespace {

std::string notice(uint64_t dropped) { return "DROPPED " + std::to_string(dropped); }

// A sink the test holds shut: the writer thread waits inside it until open() is called.
class GatedSink {
 public:
  explicit GatedSink(bool open) : open_(open) {}

  LogWriter::Sink sink() {
    return [this](std::string_view lines) {
      std::unique_lock lock(mu_);
      ++calls_;
      changed_.notify_all();
      changed_.wait(lock, [&] { return open_; });
      received_.append(lines);
    };
  }
  void wait_for_calls(int n) {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return calls_ >= n; });
  }
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    changed_.notify_all();
  }
  std::string received() {
    std::lock_guard lock(mu_);
    return received_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  bool open_;
  int calls_ = 0;
  std::string received_;
};

TEST(LogWriter, KeepsEachThreadsOrderAndFlushDeliversEverything) {
  GatedSink sink(true);
  LogWriter writer(sink.sink(), 1 << 20, notice);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&writer, t] {
      for (int i = 0; i < 500; ++i) writer.enqueue("t" + std::to_string(t) + " " + std::to_string(i));
    });
  }
  for (auto& th : threads) th.join();
  writer.flush();

  std::vector<int> next(4, 0);
  for (const std::string& line : testing::split_lines(sink.received())) {
    int t = line[1] - '0';
    ASSERT_EQ(line, "t" + std::to_string(t) + " " + std::to_string(next[t]));
    next[t]++;
  }
  EXPECT_EQ(next, std::vector<int>(4, 500));
  EXPECT_EQ(writer.dropped_total(), 0u);
}

TEST(LogWriter, ABlockedSinkDoesNotBlockTheCaller) {
  GatedSink sink(false);
  LogWriter writer(sink.sink(), 1 << 20, notice);
  writer.enqueue("first");
  sink.wait_for_calls(1);
  // The writer thread is stuck in the sink; were enqueue() to wait for it, this would hang.
  for (int i = 0; i < 1000; ++i) writer.enqueue("line " + std::to_string(i));
  EXPECT_EQ(sink.received(), "");

  sink.open();
  writer.flush();
  std::vector<std::string> lines = testing::split_lines(sink.received());
  ASSERT_EQ(lines.size(), 1001u);
  EXPECT_EQ(lines.front(), "first");
  EXPECT_EQ(lines.back(), "line 999");
}

TEST(LogWriter, AFullQueueDropsCountsAndReportsOnceWhenSpaceReturns) {
  GatedSink sink(false);
  // Room for three 8-byte lines ("line-NN\n").
  LogWriter writer(sink.sink(), 24, notice);
  writer.enqueue("first");
  sink.wait_for_calls(1);  // "first" has left the queue; it is in the (blocked) sink
  for (int i = 1; i <= 10; ++i) writer.enqueue("line-" + std::string(i < 10 ? "0" : "") + std::to_string(i));
  EXPECT_EQ(writer.dropped_total(), 7u);

  sink.open();
  writer.flush();
  EXPECT_EQ(sink.received(), "first\nline-01\nline-02\nline-03\nDROPPED 7\n");
  writer.enqueue("after");
  writer.flush();
  EXPECT_EQ(sink.received(), "first\nline-01\nline-02\nline-03\nDROPPED 7\nafter\n");
  EXPECT_EQ(writer.dropped_total(), 7u);
}

TEST(LogWriter, WriteNowWritesWhatIsQueuedFirstBeforeReturning) {
  GatedSink sink(true);
  LogWriter writer(sink.sink(), 1 << 20, notice);
  for (int i = 0; i < 100; ++i) writer.enqueue("queued " + std::to_string(i));
  writer.write_now("last words");
  std::vector<std::string> lines = testing::split_lines(sink.received());
  ASSERT_EQ(lines.size(), 101u);
  EXPECT_EQ(lines[99], "queued 99");
  EXPECT_EQ(lines[100], "last words");
}

TEST(LogWriter, StopWritesTheRestAndLaterLinesGoStraightToTheSink) {
  GatedSink sink(true);
  LogWriter writer(sink.sink(), 1 << 20, notice);
  for (int i = 0; i < 100; ++i) writer.enqueue("before " + std::to_string(i));
  writer.stop();
  EXPECT_EQ(testing::split_lines(sink.received()).size(), 100u);
  writer.enqueue("after stop");
  EXPECT_TRUE(sink.received().ends_with("before 99\nafter stop\n")) << sink.received();
  writer.flush();
}

// The same through a real pipe that nobody reads until the caller is done.
TEST(LogWriter, APipeNobodyReadsLosesLinesButNeverTheCallerOrTheOrder) {
  testing::DrainedPipe pipe;
  ASSERT_GE(pipe.write_fd(), 0);
  auto writer = std::make_unique<LogWriter>(
      [fd = pipe.write_fd()](std::string_view lines) { testing::write_all(fd, lines); }, 64 << 10, notice);
  constexpr int kLines = 20000;  // about 1 MB: far more than the pipe and the queue hold
  for (int i = 0; i < kLines; ++i) writer->enqueue("line " + std::to_string(i) + std::string(40, '.'));
  uint64_t dropped = writer->dropped_total();
  EXPECT_GT(dropped, 0u);

  pipe.start_reading();
  writer->flush();
  writer.reset();

  int kept = 0;
  uint64_t reported = 0;
  int last = -1;
  for (const std::string& line : testing::split_lines(pipe.finish())) {
    if (line.starts_with("DROPPED ")) {
      reported += std::stoull(line.substr(8));
      continue;
    }
    int n = std::stoi(line.substr(5));
    ASSERT_GT(n, last) << "out of order";
    last = n;
    kept++;
  }
  EXPECT_EQ(reported, dropped);
  EXPECT_EQ(kept + static_cast<int>(dropped), kLines);
}

}  // namespace
}  // namespace corral::log
