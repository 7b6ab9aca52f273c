import { httpFlagsUsage } from './http-options.js'

/** `consul-lock --help`: the lock command (a drop-in for `consul lock`) and the subcommands. */
export const lockUsage = `Usage: consul-lock [options] <prefix> <command...>
       consul-lock status [options] <prefix>   who holds the lock or semaphore at <prefix>
       consul-lock dev [options]               run the embedded Consul-compatible dev server

  A drop-in for 'consul lock': acquires a lock (or, with -n > 1, a semaphore slot) at
  <prefix>, then runs <command> with CONSUL_LOCK_HELD=true in its environment. The command
  can assume the lock is held while it runs. If the lock is lost, or consul-lock gets SIGINT,
  SIGTERM, SIGHUP or SIGQUIT, the command's whole process group gets SIGTERM and, after
  -kill-grace, SIGKILL.
  The lock is released when the command ends, and its key removed when nobody else uses it.

  The command runs in its own session and process group, without a controlling terminal:
  signals reach everything it started, and nothing it left in that group outlives
  consul-lock (a daemon that calls setsid itself escapes it). The shutdown signals sent to
  consul-lock are passed on to the group; a second one during the grace period SIGKILLs it
  at once. One during the release, once the group is gone, exits 1 without waiting (the
  session then expires after its TTL). Ctrl-Z (SIGTSTP) stops the group and consul-lock;
  SIGCONT continues both.
  When the session cannot be renewed, the command is stopped when the session's TTL runs
  out locally, before Consul could give the lock to someone else.

  -n 1 locks the key <prefix>/.lock, as 'consul lock' and Go's api.Lock do; -n N > 1 uses
  a semaphore under <prefix> (contender keys <prefix>/<session>, holders in <prefix>/.lock).
  Every holder of one prefix must use the same -n. A leading '/' is dropped from <prefix>
  (write /dev or /status for a prefix named like a subcommand). The token needs write
  access to the prefix.

  Flags go before <prefix>, Go-style (-timeout=10s, -n 3) or GNU-style (--timeout 10s).

Options:
  -n=<int>                  Number of concurrent holders: 1 (default) is a lock, more is a
                            semaphore with that limit.
  -name=<name>              Session name (default: "Consul lock for '<command>' at '<prefix>'").
  -timeout=<duration>       Give up acquiring after this long (e.g. 10s, 1m) and exit 1;
                            0 (default) waits for ever.
  -try=<duration>           Deprecated alias of -timeout.
  -monitor-retry=<int>      How many consecutive failed reads of the lock (a 5xx or 429
                            answer, a broken connection) to ride out, 1s apart, before the
                            lock counts as lost (default 3; 0: none).
  -shell                    Run the command with $SHELL -c "<command...>" (default true; /bin/sh
                            when SHELL is unset). -shell=false runs <command> directly, each
                            argument passed as given.
  -pass-stdin               Give the command consul-lock's stdin (default: /dev/null).
  -child-exit-code          Exit 2 if the command fails (exits non-zero, is killed by a
                            signal, or cannot start); otherwise its failure exits 0.
  -kill-grace=<duration>    Time between SIGTERM and SIGKILL to the command's process group
                            (default 5s).
  -session-ttl=<duration>   TTL of the lock's session (default 15s; Consul's minimum is 10s).
                            A shorter TTL detects a dead holder sooner.
  -lock-delay=<duration>    How long after a holder's session is invalidated nobody may take
                            the lock (default: Consul's 15s; 0s for none). Locks only (-n 1).
  -verbose                  Print each state change (the leaf states left → entered, and the
                            phase: [pending], [held] …) and each step, with a timestamp, on
                            stdout.
  -inspect[=<port>]         Serve the lock's live statechart (active states, context, events)
                            on a local page at http://127.0.0.1:<port>/ while consul-lock
                            runs; its address is printed on stderr. Without a port (only the
                            joined form takes one), any free port.
  -h, -help                 Show this help.

${httpFlagsUsage}
Exit codes:
  0   the command ran (whatever its exit status, without -child-exit-code), or it was
      stopped because the lock was lost or consul-lock got a shutdown signal
  1   bad flags or arguments, Consul unreachable, lock not acquired (error, -timeout, or a
      signal while waiting), the release or cleanup failed, or a signal cut it short
  2   the command failed and -child-exit-code is set

Examples:
  consul-lock service/cron/backup ./backup.sh --full
  consul-lock -n 2 -timeout=30s service/encoders 'encode "$FILE"'
  consul-lock -shell=false -session-ttl=10s -lock-delay=0s service/leader node server.js
`
