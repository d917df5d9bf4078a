# Sourced by Scripts/vmlab and Scripts/test: make sure the system packages
# vmlab builds against are installed (Debian), then move to the package root.
# As root it installs what is missing; otherwise it says what to run.

vmlab_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$vmlab_root" || exit 1

# Debian packages: Lua 5.4 and libedit headers to build, pkg-config to find
# them, gzip/xz/zstd to read compressed traces, graphviz to render page tables as SVG.
vmlab_packages=(liblua5.4-dev libedit-dev pkg-config gzip xz-utils zstd graphviz)

vmlab_missing=()
for p in "${vmlab_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || vmlab_missing+=("$p")
done
if [ ${#vmlab_missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "vmlab: installing ${vmlab_missing[*]}" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${vmlab_missing[@]}" >&2 || {
      echo "vmlab: could not install ${vmlab_missing[*]}" >&2; exit 1; }
  else
    echo "vmlab: missing system packages. Run: sudo apt-get install -y ${vmlab_missing[*]}" >&2
    exit 1
  fi
fi

if ! command -v swift >/dev/null; then
  if [ -x /opt/swift/usr/bin/swift ]; then export PATH="/opt/swift/usr/bin:$PATH"; else
    echo "vmlab: the Swift toolchain (6.x) is not on PATH" >&2; exit 1; fi
fi
