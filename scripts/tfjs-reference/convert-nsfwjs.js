#!/usr/bin/env node
// Unwraps one of nsfwjs's browserify-bundled models into a standard TF.js LayersModel (model.json + .bin shards).
// The bundles are JS modules, not JSON: model.min.js exports {modelTopology, weightsManifest} as an object literal,
// each group1-shardNofM.min.js exports the shard's bytes as one base64 string. Weights are written byte for byte
// (still uint8-quantized, with the manifest's per-tensor {min, scale}); nothing is dequantized or repaired here.
//
// usage: node convert-nsfwjs.js <unpacked nsfwjs package dir> <mobilenet_v2|mobilenet_v2_mid|inception_v3> <out dir>
'use strict';
const fs = require('fs');
const path = require('path');

const [pkgDir, modelName, outDir] = process.argv.slice(2);
if (!pkgDir || !modelName || !outDir) {
  console.error('usage: node convert-nsfwjs.js <nsfwjs package dir> <model name> <out dir>');
  process.exit(2);
}
const modelDir = path.resolve(pkgDir, 'dist', 'models', modelName);
const bundle = require(path.join(modelDir, 'model.min.js'));
if (!bundle || !bundle.modelTopology || !Array.isArray(bundle.weightsManifest)) {
  throw new Error(modelDir + '/model.min.js does not export {modelTopology, weightsManifest}');
}
fs.mkdirSync(outDir, { recursive: true });
const manifest = bundle.weightsManifest.map((group) => {
  const paths = group.paths.map((p) => {
    const shard = require(path.join(modelDir, p + '.min.js'));
    if (typeof shard !== 'string') {
      throw new Error(p + '.min.js does not export a base64 string');
    }
    const bytes = Buffer.from(shard, 'base64');
    fs.writeFileSync(path.join(outDir, p + '.bin'), bytes);
    console.log(`${p}.bin: ${bytes.length} bytes`);
    return p + '.bin';
  });
  return { paths, weights: group.weights };
});
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
const modelJson = {
  format: 'layers-model',
  generatedBy: 'keras v' + bundle.modelTopology.keras_version,
  convertedBy: `streamclassify convert-nsfwjs.js from ${pkg.name}@${pkg.version} dist/models/${modelName}`,
  modelTopology: bundle.modelTopology,
  weightsManifest: manifest,
};
fs.writeFileSync(path.join(outDir, 'model.json'), JSON.stringify(modelJson));
for (const licence of ['LICENSE', 'LICENSE.md', 'LICENSE.txt']) {
  if (fs.existsSync(path.join(pkgDir, licence))) {
    fs.copyFileSync(path.join(pkgDir, licence), path.join(outDir, 'LICENSE'));
    break;
  }
}
const layers = bundle.modelTopology.model_config.config.layers;
const frozen = layers.filter((l) => l.config.trainable === false).map((l) => l.name);
console.log(`model.json: ${layers.length} layers, ${frozen.length} with trainable:false (${frozen[0]} .. ${frozen[frozen.length - 1]})`);
