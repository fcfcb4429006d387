#!/usr/bin/env node
// Writes the fixed test images of the import proof: deterministic PNGs at the network's input size, so the
// comparison checks import, cut and value scaling without depending on two resize implementations.
// One is 8-bit greyscale (PNG colour type 0), to prove grey is replicated to three channels.
//
// usage: node make-images.js <out dir> [size=96]
'use strict';
const fs = require('fs');
const path = require('path');
const { PNG } = require('pngjs');

const outDir = process.argv[2];
const size = Number(process.argv[3] || 96);
if (!outDir) {
  console.error('usage: node make-images.js <out dir> [size]');
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });

// a small LCG so the noise image is the same on every machine and node version
let state = 12345;
const rand = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296;

const images = {
  'gradient': (x, y) => [(255 * x) / (size - 1), (255 * y) / (size - 1), 255 - (255 * x) / (size - 1)],
  'rings': (x, y) => {
    const r = Math.hypot(x - size / 2, y - size / 2);
    return [128 + 127 * Math.sin(r / 3), 128 + 127 * Math.cos(r / 5), (x ^ y) & 0xff];
  },
  'noise': () => [255 * rand(), 255 * rand(), 255 * rand()],
};
for (const [name, f] of Object.entries(images)) {
  const png = new PNG({ width: size, height: size, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  const data = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      f(x, y).forEach((v, c) => { data[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v))); });
    }
  }
  png.data = data;
  fs.writeFileSync(path.join(outDir, name + '.png'), PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false }));
}
// greyscale: a bright disc on a dark, diagonally shaded background
const grey = Buffer.alloc(size * size);
for (let y = 0; y < size; y++) {
  for (let x = 0; x < size; x++) {
    grey[y * size + x] = Math.hypot(x - size / 3, y - size / 2) < size / 4 ? 230 : Math.round((40 * (x + y)) / size);
  }
}
const greyPng = new PNG({ width: size, height: size });
greyPng.data = grey;
fs.writeFileSync(path.join(outDir, 'grey-disc.png'), PNG.sync.write(greyPng, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
console.log('wrote', fs.readdirSync(outDir).join(' '), 'to', outDir);
