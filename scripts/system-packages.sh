# Sourced by scripts/demo and scripts/test: makes sure the machine has what they need before
# anything is built, so that a fresh machine needs no step by hand.
#
#   ensure_ready demo   # building and running Handoff (libcurl, SQLite, libpq, OpenSSL, curl)
#   ensure_ready test   # the test suite as well (sshd, GnuPG, Chromium, hledger, PostgreSQL 15, …)
#
# Missing Debian packages are installed by scripts/install-system-packages, as root or with
# sudo when sudo needs no password; otherwise it stops before building, with one line saying
# which command to run. A missing Swift toolchain stops it with one line too.

# The Debian packages each use needs; scripts/install-system-packages installs every one.
handoff_packages_demo="libsqlite3-dev sqlite3 libpq-dev libcurl4-openssl-dev libssl-dev openssl ca-certificates curl tzdata"
handoff_packages_test="$handoff_packages_demo openssh-server openssh-client gnupg procps python3 time hledger chromium fonts-dejavu-core wrk postgresql-15 postgresql-client-15 python3-aiosmtpd"

ensure_ready() {
    local use=$1 wanted missing="" pkg installer
    installer="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/install-system-packages"
    if ! command -v swift > /dev/null 2>&1; then
        echo "Handoff needs Swift 6.1 or later and 'swift' is not on PATH: install the toolchain for this system from swift.org (or add its usr/bin to PATH), then run this again." >&2
        exit 1
    fi
    case "$use" in
        demo) wanted=$handoff_packages_demo ;;
        test) wanted=$handoff_packages_test ;;
        *) echo "ensure_ready: unknown use '$use'" >&2; exit 2 ;;
    esac
    if ! command -v dpkg-query > /dev/null 2>&1; then
        # Not Debian or Ubuntu: the packages have other names; say what is needed and go on.
        echo "note: not a Debian system; Handoff needs the development files of libcurl (OpenSSL), SQLite and libpq, and $use needs: $wanted" >&2
        return 0
    fi
    for pkg in $wanted; do
        dpkg-query -W -f='${Status}' "$pkg" 2> /dev/null | grep -q "install ok installed" || missing="$missing $pkg"
    done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" -eq 0 ]; then
        echo "== installing the system packages Handoff needs:$missing"
        "$installer" --for "$use"
    elif command -v sudo > /dev/null 2>&1 && sudo -n true 2> /dev/null; then
        echo "== installing the system packages Handoff needs (with sudo):$missing"
        sudo "$installer" --for "$use"
    else
        echo "Handoff needs these system packages first:$missing. Install them with: sudo $installer --for $use" >&2
        exit 1
    fi
}
