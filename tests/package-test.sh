#!/usr/bin/env bash
# Makes the .deb with CPack, unpacks it with dpkg -x into a temporary root and
# checks that it holds the four programs, the desktop file, the icon and a
# valid AppStream metainfo file, and that the unpacked programs run.
# Writes only to a temporary folder (and build/install_manifest.txt).
#   tests/package-test.sh <cpack> <build dir> <version>
set -euo pipefail
cpack="$1"
build="$2"
version="$3"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

"$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1 ||
    { cat "$tmp/cpack.log" >&2; fail "cpack -G DEB failed"; }
debs=("$tmp"/out/longwatch_"$version"_*.deb)
[[ -f "${debs[0]}" ]] || fail "no longwatch_${version}_<arch>.deb in $(ls "$tmp/out")"
deb="${debs[0]}"
echo "made $(basename "$deb")"

[[ "$(dpkg-deb -f "$deb" Package)" == longwatch ]] || fail "package name is not longwatch"
[[ "$(dpkg-deb -f "$deb" Version)" == "$version" ]] || fail "package version is not $version"
[[ -n "$(dpkg-deb -f "$deb" Maintainer)" ]] || fail "no Maintainer"
dpkg-deb -f "$deb" Depends | grep -q libqt6core6 || fail "Depends does not name the Qt libraries"

root="$tmp/root"
dpkg -x "$deb" "$root"
for file in usr/bin/longwatch usr/bin/longwatch-tail usr/bin/longwatch-feed \
    usr/bin/longwatch-export; do
    [[ -x "$root/$file" ]] || fail "$file is missing or not executable"
done
for file in usr/share/applications/longwatch.desktop \
    usr/share/icons/hicolor/scalable/apps/longwatch.svg \
    usr/share/metainfo/io.github.longwatch.Longwatch.metainfo.xml; do
    [[ -s "$root/$file" ]] || fail "$file is missing or empty"
done
grep -q '<launchable type="desktop-id">longwatch.desktop</launchable>' \
    "$root/usr/share/metainfo/io.github.longwatch.Longwatch.metainfo.xml" ||
    fail "the metainfo does not launch longwatch.desktop"

if command -v appstreamcli >/dev/null; then
    appstreamcli validate --no-net \
        "$root/usr/share/metainfo/io.github.longwatch.Longwatch.metainfo.xml" ||
        fail "appstreamcli validate refuses the metainfo"
else
    echo "WARNING: appstreamcli is not installed (Debian package 'appstream'); the metainfo is not validated." >&2
fi

# The unpacked programs run; the dashboard answers --version without a display.
out="$(env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$root/usr/bin/longwatch-tail" --version)" ||
    fail "longwatch-tail --version failed"
[[ "$out" == *"$version"* ]] || fail "longwatch-tail --version says '$out', not $version"
out="$(env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$root/usr/bin/longwatch" --version)" ||
    fail "longwatch --version failed without a display"
[[ "$out" == *"$version"* ]] || fail "longwatch --version says '$out', not $version"
echo "PASS: $(basename "$deb") unpacks the four programs, desktop file, icon and metainfo; they run"
