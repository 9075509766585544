# Shared by the scripts in Scripts/: installs what the project needs from Debian and PyPI.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.build/venv"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# apt_install PACKAGE...: installs Debian packages, once, as root (or through sudo).
apt_install() {
    local runner=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "missing Debian packages: $*; install them as root (apt-get install -y $*)"
        runner=(sudo)
    fi
    say "installing Debian packages: $*"
    if [ -z "${APT_UPDATED:-}" ]; then
        "${runner[@]}" apt-get update -qq || die "apt-get update failed"
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive "${runner[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
        || die "apt-get install $* failed"
}

# ensure_build_dependencies: the C library and tools the Swift build links against.
ensure_build_dependencies() {
    command -v swift >/dev/null || die "swift is not on PATH; install Swift 6.1 or newer (https://swift.org/install)"
    local missing=()
    command -v pkg-config >/dev/null || missing+=(pkg-config)
    if ! pkg-config --exists libsystemd 2>/dev/null; then missing+=(libsystemd-dev); fi
    if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
}

# ensure_test_dependencies: what the tests use besides the build: systemd's tools, Chromium and
# pdftotext (the HTML report, printed), a Python venv.
ensure_test_dependencies() {
    local missing=()
    command -v systemd-socket-activate >/dev/null || missing+=(systemd)
    command -v python3 >/dev/null || missing+=(python3)
    command -v chromium >/dev/null || missing+=(chromium)
    command -v pdftotext >/dev/null || missing+=(poppler-utils)
    if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
    if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import varlink, frictionless' 2>/dev/null; then
        say "creating the Python venv for test peers in .build/venv"
        rm -rf "$VENV"
        if ! python3 -m venv "$VENV" 2>/dev/null; then
            apt_install python3-venv
            python3 -m venv "$VENV" || die "python3 -m venv failed"
        fi
        "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$ROOT/Tests/python/requirements.txt" \
            || die "pip install of the test peers failed"
    fi
}
