#!/bin/bash
# Runs inside the systemd-nspawn container of Scripts/systemd-test, as the unit ci-test.service,
# with systemd 252 as PID 1. Installs clusterd from /opt/clusterd and checks it as a service.
# Writes TAP-like lines to stdout and "result: N passed, M failed" at the end.
set -u
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
passed=0
failed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
fail() { echo "not ok - $*"; failed=$((failed + 1)); }
check() { local description="$1"; shift; if "$@"; then ok "$description"; else fail "$description"; fi; }
wait_for() { local seconds="$1"; shift; for _ in $(seq 1 $((seconds * 10))); do "$@" && return 0; sleep 0.1; done; return 1; }
main_pid() { systemctl show -p MainPID --value clusterd.service; }

/opt/clusterd/Scripts/install --prebuilt /opt/clusterd/bin || { echo "not ok - install"; echo "result: 0 passed, 1 failed"; exit 1; }
# Test-only settings: a short watchdog, and a short wait before a hung process is killed.
mkdir -p /etc/systemd/system/clusterd.service.d
printf '[Service]\nWatchdogSec=3s\nTimeoutAbortSec=2s\n' >/etc/systemd/system/clusterd.service.d/test.conf
# A reader (group clusterd) and a writer (also clusterd-admin).
printf 'u reader - "reader"\nm reader clusterd\nu writer - "writer"\nm writer clusterd\nm writer clusterd-admin\n' >/etc/sysusers.d/clusterd-test.conf
systemd-sysusers /etc/sysusers.d/clusterd-test.conf
systemctl daemon-reload

check "clusterd.socket is listening" test "$(systemctl is-active clusterd.socket)" = active
check "starting the socket does not start the service" test "$(systemctl is-active clusterd.service)" = inactive
check "the first connection starts the service" clusterctl status
check "the service is active after it" test "$(systemctl is-active clusterd.service)" = active
check "systemctl status shows our STATUS=" wait_for 5 bash -c 'systemctl status clusterd.service | grep -q "Status: \"serving"'
check "the service runs as the user clusterd" test "$(ps -o user= -p "$(main_pid)")" = clusterd
check "its state directory is the daemon user's alone (0700)" test "$(stat -c %a:%U /var/lib/clusterd)" = 700:clusterd
check "a reader cannot take the state directory's lock" bash -c '! runuser -u reader -- flock -n /var/lib/clusterd/clusterd.lock true 2>/dev/null'
check "the unit bounds memory and tasks" test "$(systemctl show -p MemoryMax --value clusterd.service):$(systemctl show -p TasksMax --value clusterd.service)" = 1073741824:512

as() { local user="$1"; shift; setpriv --reuid="$user" --regid="$user" --init-groups clusterctl "$@"; }
check "a reader may read" as reader stats
as reader clusters add refused --name Refused --region 11 2>/tmp/refused.err
check "a reader's write is refused (exit 77)" test $? -eq 77
check "with PermissionDenied" grep -q PermissionDenied /tmp/refused.err
check "naming the group that grants it" grep -q "group 'clusterd-admin'" /tmp/refused.err
check "a writer's write is accepted" as writer clusters add aero --name "Aerospace Valley" --region 76 --department 31
check "root writes too" clusterctl company add 732829320 --name ACME --naf 25.62B --department 31 --employees 42
check "and joins" clusterctl join aero 732829320 --date 2020-01-01

# Personal data: the key store's wrapping key as an encrypted credential, the daily retention.
check "install made the wrapping key a systemd credential" test -s /etc/credstore.encrypted/clusterd-key-store-key
check "the daemon opened its key store with it" bash -c 'journalctl -u clusterd.service --no-pager | grep -q "opened the key store"'
check "the privacy group exists" getent group clusterd-privacy
check "the retention timer is active" test "$(systemctl is-active clusterd-retention.timer)" = active
check "the retention service runs as a writer" systemctl start clusterd-retention.service
check "and succeeds" test "$(systemctl show -p Result --value clusterd-retention.service)" = success
check "saying how many it erased" bash -c 'journalctl -u clusterd-retention.service --no-pager | grep -q "erased 0 people"'

pid="$(main_pid)"
check "systemctl reload succeeds" systemctl reload clusterd.service
check "the service survives the reload" test "$(systemctl is-active clusterd.service)" = active
check "with the same main process" test "$(main_pid)" = "$pid"
check "and still answers" clusterctl status

check "systemctl stop stops it" systemctl stop clusterd.service
check "the socket stays" test "$(systemctl is-active clusterd.socket)" = active
check "nothing is lost: the next connection finds the data" bash -c 'clusterctl companies show 732829320 | grep -q ACME'

pid="$(main_pid)"
restarts="$(systemctl show -p NRestarts --value clusterd.service)"
# A hung daemon, as systemd sees one: stopped, it pings nothing. The watchdog's SIGABRT stays
# pending on a stopped process, so systemd kills it after TimeoutAbortSec= and restarts it.
kill -STOP "$pid"
check "a hung daemon is killed by the watchdog and restarted" wait_for 30 bash -c "test \"\$(systemctl show -p NRestarts --value clusterd.service)\" -gt $restarts"
check "the watchdog was the reason" bash -c 'journalctl -u clusterd.service --no-pager | grep -qi "watchdog timeout"'
check "it serves again" wait_for 20 clusterctl stats
check "with its data" bash -c 'clusterctl members aero --json | grep -q 732829320'

journal="$(journalctl -u clusterd.service -o json --no-pager)"
check "journald has our MESSAGE_ID for start" grep -q '"MESSAGE_ID":"6b1f0a3c2d8e4f5a9b7c1d2e3f4a5b6c"' <<<"$journal"
check "journald has SYSLOG_IDENTIFIER and CODE_FILE" bash -c 'grep -q "\"SYSLOG_IDENTIFIER\":\"clusterd\"" <<<"$1" && grep -q "\"CODE_FILE\":" <<<"$1"' _ "$journal"
check "journald has metadata as upper-case fields" grep -q '"REPLAY_MS":' <<<"$journal"

# What a user reads: the man pages and the completions Scripts/install put in place.
check "man clusterctl shows the manual" bash -c 'MANPAGER=cat man clusterctl 2>/dev/null | grep -q "clusterctl stats"'
check "man 8 clusterd shows the daemon's" bash -c 'MANPAGER=cat man 8 clusterd 2>/dev/null | grep -q -- "--state-dir"'
check "bash completes clusterctl's subcommands" bash -c 'source /usr/local/share/bash-completion/completions/clusterctl && COMP_WORDS=(clusterctl sta) COMP_CWORD=1 COMP_LINE="clusterctl sta" COMP_POINT=14 && _clusterctl && [[ " ${COMPREPLY[*]} " == *" stats "* ]]'
check "zsh and fish completions are in place" test -s /usr/local/share/zsh/site-functions/_clusterctl -a -s /usr/local/share/fish/vendor_completions.d/clusterctl.fish

# Scripts/uninstall removes what it installed and keeps the registry's history.
/opt/clusterd/Scripts/uninstall >/dev/null 2>&1
check "uninstall removes the binaries, units, man pages and completions" bash -c '! ls /usr/local/bin/clusterctl /usr/local/share/man/man1/clusterctl.1 /usr/local/share/bash-completion/completions/clusterctl /etc/systemd/system/clusterd.service /etc/systemd/system/clusterd-retention.timer 2>/dev/null | grep -q .'
check "and keeps the wrapping key" test -s /etc/credstore.encrypted/clusterd-key-store-key
check "and keeps the log" test -s /var/lib/clusterd/events.log

echo "result: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
