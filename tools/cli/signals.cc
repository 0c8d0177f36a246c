// Stop signals: handlers that only set flags, or remove temporary files and
// exit (async-signal-safe calls only: atomics, unlink, write, _exit).
#include "cli/signals.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "hogmf/write_file.h"

namespace hogmf::cli {
namespace {

std::atomic<bool> cancel_flag{false};
std::atomic<int> first_signal{0};
std::atomic<int> signal_count{0};
std::atomic<int> mode{static_cast<int>(StopMode::kExit)};
std::atomic<const char*> program{"hogmf"};
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free);

void Say(const char* text) {
  const ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

const char* Name(int signal) { return signal == SIGINT ? "SIGINT" : "SIGTERM"; }

void OnStopSignal(int signal) {
  const int saved_errno = errno;
  const int before = signal_count.fetch_add(1);
  if (before == 0) first_signal.store(signal);
  if (before == 0 && mode.load() == static_cast<int>(StopMode::kCancel)) {
    cancel_flag.store(true);
    Say("\n");
    Say(program.load());
    Say(": ");
    Say(Name(signal));
    Say(" received: stopping at the next chunk and saving (send it again to exit at once)\n");
    errno = saved_errno;
    return;
  }
  RemovePartialOutputs();
  Say("\n");
  Say(program.load());
  Say(": ");
  Say(Name(signal));
  Say(before == 0 ? " received: exiting; no output was written\n"
                  : " received again: exiting at once; partial outputs removed\n");
  ::_exit(SignalExitCode(signal));
}

}  // namespace

void InstallStopSignals(StopMode stop_mode, const char* program_name) {
  mode.store(static_cast<int>(stop_mode));
  program.store(program_name);
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaddset(&action.sa_mask, SIGINT);
  sigaddset(&action.sa_mask, SIGTERM);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

const std::atomic<bool>* CancelFlag() { return &cancel_flag; }

int StopSignal() { return first_signal.load(); }

}  // namespace hogmf::cli
