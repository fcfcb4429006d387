#!/usr/bin/env node
// The reference the DL4J import is checked against: TF.js itself loads a standard TF.js LayersModel (dequantizing
// its weights with its own loader), runs it at the chosen input size up to the cut layer, and writes the cut
// layer's raw output for each PNG (float32 little-endian, NHWC order) plus expected.json describing them.
// Preprocessing is MobileNetV2's: RGB scaled to [-1, 1] as x / 127.5 - 1, grey replicated to three channels.
// With --bench N it also times batched forward passes (the TF.js speed peer of the Java service).
//
// usage: node reference.js --model model.json --size 96 --cut block_10_project_BN[,out_relu] --images DIR --out DIR
//        node reference.js --model model.json --size 96 --cut out_relu --bench 256 [--batch 32] [--backend wasm]
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');
const { PNG } = require('pngjs');

function args() {
  const a = { size: 96, backend: 'cpu', batch: 32 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    a[argv[i].replace(/^--/, '')] = argv[i + 1];
  }
  if (!a.model || !a.cut) {
    console.error('usage: node reference.js --model model.json --size 96 --cut LAYER[,LAYER] (--images DIR --out DIR | --bench N)');
    process.exit(2);
  }
  a.size = Number(a.size);
  a.batch = Number(a.batch);
  a.cuts = a.cut.split(',');
  return a;
}

/** The topology with the input resized and every layer that no cut depends on removed (the dense head needs 224 px). */
function truncated(modelTopology, cuts, size) {
  const topo = JSON.parse(JSON.stringify(modelTopology));
  const config = topo.model_config.config;
  const byName = new Map(config.layers.map((l) => [l.name, l]));
  const keep = new Set();
  const visit = (name) => {
    const layer = byName.get(name);
    if (!layer) throw new Error('no layer ' + name);
    if (keep.has(name)) return;
    keep.add(name);
    for (const node of layer.inbound_nodes) for (const [inbound] of node) visit(inbound);
  };
  cuts.forEach(visit);
  config.layers = config.layers.filter((l) => keep.has(l.name));
  for (const l of config.layers) {
    if (l.class_name === 'InputLayer') l.config.batch_input_shape = [null, size, size, 3];
  }
  config.output_layers = cuts.map((c) => [c, 0, 0]);
  return topo;
}

async function load(modelPath, cuts, size) {
  const dir = path.dirname(path.resolve(modelPath));
  const json = JSON.parse(fs.readFileSync(modelPath, 'utf8'));
  const weightSpecs = [];
  const buffers = [];
  for (const group of json.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const handler = tf.io.fromMemory({ modelTopology: truncated(json.modelTopology, cuts, size), weightSpecs, weightData });
  return tf.loadLayersModel(handler, { strict: false });
}

/** NHWC float32 of one PNG, x / 127.5 - 1 per channel; pngjs expands grey to RGBA with r = g = b. */
function pixels(file, size) {
  const png = PNG.sync.read(fs.readFileSync(file));
  if (png.width !== size || png.height !== size) {
    throw new Error(`${file} is ${png.width}x${png.height}, not ${size}x${size}: the reference does not resize`);
  }
  const out = new Float32Array(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    for (let c = 0; c < 3; c++) out[i * 3 + c] = png.data[i * 4 + c] / 127.5 - 1;
  }
  return out;
}

async function main() {
  const a = args();
  await tf.setBackend(a.backend);
  const model = await load(a.model, a.cuts, a.size);
  if (a.bench) {
    const n = Number(a.bench);
    const x = tf.randomUniform([a.batch, a.size, a.size, 3], -1, 1, 'float32', 7);
    tf.dispose(model.predict(x)); // warm-up
    const start = process.hrtime.bigint();
    for (let done = 0; done < n; done += a.batch) {
      const y = model.predict(x);
      (Array.isArray(y) ? y : [y]).forEach((t) => t.dataSync());
      tf.dispose(y);
    }
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    const images = Math.ceil(n / a.batch) * a.batch;
    console.log(`tfjs ${tf.getBackend()} ${a.size}px cut ${a.cuts} batch ${a.batch}: ${images} images in ${s.toFixed(2)} s = ${(images / s).toFixed(1)} img/s`);
    return;
  }
  fs.mkdirSync(a.out, { recursive: true });
  const files = fs.readdirSync(a.images).filter((f) => f.endsWith('.png')).sort();
  const expected = { model: path.basename(a.model), size: a.size, backend: tf.getBackend(), tfjs: tf.version.tfjs, outputs: [] };
  for (const f of files) {
    const x = tf.tensor4d(pixels(path.join(a.images, f), a.size), [1, a.size, a.size, 3]);
    let ys = model.predict(x);
    ys = Array.isArray(ys) ? ys : [ys];
    ys.forEach((y, i) => {
      const file = `${path.basename(f, '.png')}.${a.cuts[i]}.f32`;
      const data = y.dataSync();
      fs.writeFileSync(path.join(a.out, file), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      expected.outputs.push({ image: f, cut: a.cuts[i], shape: y.shape, layout: 'NHWC', file, maxAbs: Math.max(...data.map(Math.abs)) });
    });
    tf.dispose([x, ...ys]);
  }
  fs.writeFileSync(path.join(a.out, 'expected.json'), JSON.stringify(expected, null, 1) + '\n');
  console.log(`wrote ${expected.outputs.length} outputs (${a.cuts}) for ${files.length} images to ${a.out}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
