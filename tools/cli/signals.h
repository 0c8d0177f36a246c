// Stop signals (SIGINT, SIGTERM) for the commands: a command that can stop
// cleanly (train) asks for kCancel, so the first signal only raises a flag
// its session polls and the command saves what it has and exits with
// 128 + the signal; other commands ask for kExit, so the first signal ends
// them at once. Either way, a signal that ends the process at once first
// removes the temporary files of the atomic writes in progress (no partial
// output survives), prints a line and exits with 128 + the signal.
//
//   InstallStopSignals(StopMode::kCancel);
//   options.cancel = CancelFlag();
//   ... train ...
//   if (StopSignal() != 0) return 128 + StopSignal();
#pragma once

#include <atomic>

namespace hogmf::cli {

enum class StopMode {
  kCancel,  // the first signal sets CancelFlag(); the second exits at once
  kExit,    // the first signal exits at once
};

// Installs the handlers of SIGINT and SIGTERM for the rest of the process;
// their messages start with `program_name` (which must outlive the process).
void InstallStopSignals(StopMode mode, const char* program_name = "hogmf");
// Set by the first signal in kCancel mode.
const std::atomic<bool>* CancelFlag();
// The first stop signal received (SIGINT or SIGTERM), or 0.
int StopSignal();
// The exit code for a run ended by `signal`: 128 + signal (130 for SIGINT,
// 143 for SIGTERM).
inline int SignalExitCode(int signal) { return 128 + signal; }

}  // namespace hogmf::cli
