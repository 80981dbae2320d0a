// Reads the QR code in a PNG screenshot and prints what it holds, independently of
// BearWitness (which draws the code with segno): the PNG is decoded here with Node's own
// zlib, the code by jsQR. Usage: node qr-decode.js SCREENSHOT.png
"use strict";
const fs = require("fs");
const zlib = require("zlib");
const jsQR = require("jsqr");

function decodePng(bytes) {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (!bytes.subarray(0, 8).equals(signature)) { throw new Error("not a PNG file"); }
  let offset = 8, width = 0, height = 0, depth = 0, colour = 0, interlace = 0;
  const data = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString("ascii", offset + 4, offset + 8);
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      width = body.readUInt32BE(0); height = body.readUInt32BE(4);
      depth = body[8]; colour = body[9]; interlace = body[12];
    } else if (type === "IDAT") {
      data.push(body);
    } else if (type === "IEND") {
      break;
    }
    offset += 12 + length;
  }
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colour];
  if (depth !== 8 || interlace !== 0 || !channels) {
    throw new Error(`unsupported PNG: depth ${depth}, colour type ${colour}, interlace ${interlace}`);
  }
  const raw = zlib.inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const left = x >= channels ? pixels[y * stride + x - channels] : 0;
      const up = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const corner = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
      let value = line[x];
      if (filter === 1) { value += left; }
      else if (filter === 2) { value += up; }
      else if (filter === 3) { value += (left + up) >> 1; }
      else if (filter === 4) {
        const p = left + up - corner;
        const pa = Math.abs(p - left), pb = Math.abs(p - up), pc = Math.abs(p - corner);
        value += pa <= pb && pa <= pc ? left : pb <= pc ? up : corner;
      }
      pixels[y * stride + x] = value & 0xff;
    }
  }
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const grey = channels < 3;
    rgba[i * 4] = pixels[i * channels];
    rgba[i * 4 + 1] = pixels[i * channels + (grey ? 0 : 1)];
    rgba[i * 4 + 2] = pixels[i * channels + (grey ? 0 : 2)];
    rgba[i * 4 + 3] = channels === 4 ? pixels[i * channels + 3] : channels === 2 ? pixels[i * channels + 1] : 255;
  }
  return { width, height, rgba };
}

const image = decodePng(fs.readFileSync(process.argv[2]));
const found = jsQR(image.rgba, image.width, image.height);
if (!found) {
  process.stderr.write("no QR code found in the image\n");
  process.exit(1);
}
process.stdout.write(found.data);
