/* Not a test: a doctest listener that keeps a hung event loop from hanging the
 * whole unit run. When one test case (with its subcases) runs longer than
 * kLimitSeconds, it names the case on stderr and raises SIGTERM, which doctest
 * reports as "test case CRASHED" for that case. Tests that can block in the
 * kernel also use their own softer watchdogs (a posted task that requests
 * exit); this is the last resort. */
#include <doctest/doctest.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace {

const int kLimitSeconds = 180;

class HangGuard : public doctest::IReporter {
 public:
  explicit HangGuard(const doctest::ContextOptions&) {}

  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {
    std::lock_guard<std::mutex> lock(m_);
    if (thread_.joinable()) return;
    stop_ = false;
    thread_ = std::thread([this] { watch(); });
  }
  void test_run_end(const doctest::TestRunStats&) override {
    {
      std::lock_guard<std::mutex> lock(m_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  void test_case_start(const doctest::TestCaseData& tc) override {
    std::lock_guard<std::mutex> lock(m_);
    name_ = tc.m_name ? tc.m_name : "?";
    runner_ = pthread_self();
    armed_ = true;
    deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(kLimitSeconds);
    cv_.notify_all();
  }
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {
    std::lock_guard<std::mutex> lock(m_);
    armed_ = false;
  }
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}

 private:
  void watch() {
    std::unique_lock<std::mutex> lock(m_);
    while (!stop_) {
      if (!armed_) {
        cv_.wait(lock);
        continue;
      }
      if (cv_.wait_until(lock, deadline_) == std::cv_status::timeout && armed_ && !stop_ &&
          std::chrono::steady_clock::now() >= deadline_) {
        fprintf(stderr, "\n[hang guard] test case \"%s\" ran longer than %d s: raising SIGTERM\n", name_.c_str(),
                kLimitSeconds);
        fflush(stderr);
        pthread_kill(runner_, SIGTERM);  // on the thread running the case
        armed_ = false;
      }
    }
  }

  std::mutex m_;
  std::condition_variable cv_;
  std::thread thread_;
  bool stop_ = false;
  bool armed_ = false;
  std::string name_;
  pthread_t runner_ = pthread_t();
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace

DOCTEST_REGISTER_LISTENER("evloop-hang-guard", 1, HangGuard);
