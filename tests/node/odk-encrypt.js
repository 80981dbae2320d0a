// An ODK encrypted submission made with node-forge, independently of BearWitness, from
// the spec (getodk/xforms-spec, "Encrypted forms"): the tests check that BearWitness
// opens it. Input on stdin, JSON: {public_key (base64 DER SPKI), form_id, version,
// instance_id, xml (base64), media: [{name, data (base64)}]}. Output on stdout, JSON:
// {manifest (the xml_submission_file), files: {name: base64}}.
'use strict';
const forge = require('node-forge');

const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const publicKey = forge.pki.publicKeyFromAsn1(
  forge.asn1.fromDer(forge.util.decode64(input.public_key)));
const wrap = (bytes) => forge.util.encode64(publicKey.encrypt(bytes, 'RSA-OAEP', {
  md: forge.md.sha256.create(), mgf1: { md: forge.md.sha256.create() } }));

const key = forge.random.getBytesSync(32);
const seedMd = forge.md.md5.create();
seedMd.update(forge.util.encodeUtf8(input.instance_id));
seedMd.update(key);
const seed = Array.from(seedMd.digest().getBytes(), (c) => c.charCodeAt(0));
let counter = 0;

function encrypt(plain) {
  seed[counter % 16] = (seed[counter % 16] + 1) & 0xff;
  counter += 1;
  const iv = String.fromCharCode(...seed);
  const pad = 16 - (plain.length % 16);
  const cipher = forge.cipher.createCipher('AES-CFB', key);
  cipher.start({ iv });
  cipher.update(forge.util.createBuffer(plain + String.fromCharCode(pad).repeat(pad)));
  cipher.finish();
  return cipher.output.getBytes();
}

const md5hex = (bytes) => { const md = forge.md.md5.create(); md.update(bytes); return md.digest().toHex(); };
const encryptedKey = wrap(key);
const files = {};
const lines = [input.form_id];
if (input.version) lines.push(input.version);
lines.push(encryptedKey, input.instance_id);
let mediaXml = '';
for (const item of input.media) {
  const plain = forge.util.decode64(item.data);
  files[item.name + '.enc'] = forge.util.encode64(encrypt(plain));
  lines.push(item.name + '::' + md5hex(plain));
  mediaXml += '<media><file>' + item.name + '.enc</file></media>';
}
const xml = forge.util.decode64(input.xml);
files['submission.xml.enc'] = forge.util.encode64(encrypt(xml));
lines.push('submission.xml::' + md5hex(xml));
const signatureMd = forge.md.md5.create();
signatureMd.update(forge.util.encodeUtf8(lines.map((line) => line + '\n').join('')));
const signature = wrap(signatureMd.digest().getBytes());

// Collect's namespace, not the spec's: BearWitness must read both.
const manifest = '<data xmlns="http://www.opendatakit.org/xforms/encrypted" encrypted="yes" id="'
  + input.form_id + '"' + (input.version ? ' version="' + input.version + '"' : '') + '>'
  + '<base64EncryptedKey>' + encryptedKey + '</base64EncryptedKey>'
  + '<orx:meta xmlns:orx="http://openrosa.org/xforms"><orx:instanceID>' + input.instance_id
  + '</orx:instanceID></orx:meta>' + mediaXml
  + '<encryptedXmlFile>submission.xml.enc</encryptedXmlFile>'
  + '<base64EncryptedElementSignature>' + signature + '</base64EncryptedElementSignature></data>';
process.stdout.write(JSON.stringify({ manifest, files }));
