#!/usr/bin/env bash
# Build the store app for tablets, phones and counter PCs:
#
#   packaging/flet/build.sh --core-url https://core.example.com apk|aab|ipa|windows|macos|linux [flet build options]
#   BACKROOM_CORE_URL=https://core.example.com packaging/flet/build.sh apk
#
# The core's URL is baked into the build (build_settings.json, read by main.py):
# a tablet has no environment to set it in. --core-url wins over BACKROOM_CORE_URL.
# Needs the Flutter SDK that `flet build` asks for. Icons: assets/icons/icon.png
# (and optionally icon_android.png, icon_ios.png, splash.png) of the repository.
set -euo pipefail

usage() {
  echo "usage: $0 [--core-url URL] apk|aab|ipa|windows|macos|linux [flet build options]" >&2
  echo "       (or BACKROOM_CORE_URL=URL in the environment)" >&2
  exit 2
}

core_url="${BACKROOM_CORE_URL:-}"
target=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --core-url) [ $# -ge 2 ] || usage; core_url="$2"; shift 2 ;;
    --core-url=*) core_url="${1#--core-url=}"; shift ;;
    -h|--help) usage ;;
    *)
      if [ -z "$target" ]; then target="$1"; else extra+=("$1"); fi
      shift ;;
  esac
done

case "$target" in
  apk|aab|ipa|windows|macos|linux) ;;
  "") echo "error: which target? apk, aab, ipa, windows, macos or linux" >&2; usage ;;
  *) echo "error: unknown target '$target': apk, aab, ipa, windows, macos or linux" >&2; usage ;;
esac
if [ -z "$core_url" ]; then
  echo "error: the build needs the core's URL: --core-url https://core.example.com (or BACKROOM_CORE_URL)" >&2
  exit 2
fi
# http(s), no spaces, quotes or backslashes (it goes into JSON as it is).
if ! [[ "$core_url" =~ ^https?://[^[:space:]\"\\]+$ ]]; then
  echo "error: the core's URL must start with https:// (or http://) and hold no spaces or quotes: '$core_url'" >&2
  exit 2
fi
case "$core_url" in
  http://*) echo "warning: $core_url is plain HTTP: staff tokens and PINs cross the network unencrypted" >&2 ;;
esac

root="$(cd "$(dirname "$0")/../.." && pwd)"
stage="$root/build/flet-stage"
rm -rf "$stage" && mkdir -p "$stage/assets"
cp "$root/packaging/flet/pyproject.toml" "$root/packaging/flet/main.py" "$stage/"
printf '{"core_url": "%s"}\n' "$core_url" > "$stage/build_settings.json"
for package in app local_db contract printing; do
  cp -r "$root/$package" "$stage/"
done
if [ -d "$root/assets/icons" ]; then cp "$root/assets/icons/"* "$stage/assets/"; fi
echo "building $target for the core at $core_url" >&2
cd "$stage" && flet build "$target" --output "$root/build/$target" ${extra[@]+"${extra[@]}"}
