#!/usr/bin/env bash
# Build the store app: packaging/flet/build.sh apk|aab|ipa|windows|macos|linux
# Needs the Flutter SDK that `flet build` asks for; icons go in assets/icon.png
# (and optionally icon_android.png, icon_ios.png, splash.png) of the staging dir.
set -euo pipefail
target="${1:?apk, aab, ipa, windows, macos or linux}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
stage="$root/build/flet-stage"
rm -rf "$stage" && mkdir -p "$stage/assets"
cp "$root/packaging/flet/pyproject.toml" "$root/packaging/flet/main.py" "$stage/"
for package in app local_db contract printing; do
  cp -r "$root/$package" "$stage/"
done
if [ -d "$root/assets/icons" ]; then cp "$root/assets/icons/"* "$stage/assets/"; fi
cd "$stage" && flet build "$target" --output "$root/build/$target"
