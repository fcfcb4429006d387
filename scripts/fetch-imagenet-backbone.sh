#!/usr/bin/env bash
# Fetches nsfwjs@4.4.0 (MIT) with the npm client and unwraps its bundled Keras ImageNet networks into standard TF.js
# LayersModel files (model.json + .bin, weights byte for byte, still uint8-quantized), with the licence beside them
# and a backbone descriptor (backbone.json) for --backbone file:... / the backbone setting.
# Needs node >= 18 and npm (no node_modules: the converter uses only node's own fs).
#
#   scripts/fetch-imagenet-backbone.sh                      # MobileNetV2 -> backbones/mobilenet-v2-nsfwjs (committed copy)
#   scripts/fetch-imagenet-backbone.sh inception_v3 target/backbones/inception-v3-nsfwjs
set -euo pipefail
cd "$(dirname "$0")/.."

model="${1:-mobilenet_v2}"
out="${2:-backbones/mobilenet-v2-nsfwjs}"
package="nsfwjs@4.4.0"
cache="${STREAMCLASSIFY_NPM_CACHE:-$HOME/.cache/streamclassify/npm}"

mkdir -p "$cache"
tgz="$cache/nsfwjs-4.4.0.tgz"
if [ ! -f "$tgz" ]; then
  # npm checks the tarball against the registry's sha512 integrity before writing it
  (cd "$cache" && npm pack "$package" --silent >/dev/null)
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar xzf "$tgz" -C "$work"
node scripts/tfjs-reference/convert-nsfwjs.js "$work/package" "$model" "$out"

case "$model" in
  mobilenet_v2) cut="block_10_project_BN?pool=3x3"; size=96 ;;
  inception_v3) cut="mixed7?pool=global"; size=299 ;;
  *) cut=""; size=224 ;;
esac
if [ -n "$cut" ]; then
  cat > "$out/backbone.json" <<JSON
{
  "name": "${model}-nsfwjs-imagenet",
  "modelFile": "model.json",
  "cutLayer": "$cut",
  "preprocessing": {"height": $size, "width": $size, "channels": 3, "scale": 0.00784313725490196, "mean": [1.0, 1.0, 1.0], "std": [1.0, 1.0, 1.0]},
  "provenance": {"source": "npm $package dist/models/$model", "licence": "MIT (LICENSE beside this file)", "converter": "scripts/fetch-imagenet-backbone.sh"}
}
JSON
fi
echo "wrote $(ls "$out" | tr '\n' ' ')to $out"
