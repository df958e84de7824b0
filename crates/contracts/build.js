// Compiles sol/**/*.sol with the pinned npm `solc` into artifacts/<Contract>.json.
// `node build.js --check` compiles in memory and fails if the committed artifacts differ.
"use strict";
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const root = __dirname;
const check = process.argv.includes("--check");

function sources(dir, out = {}) {
  for (const name of fs.readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (fs.statSync(full).isDirectory()) sources(full, out);
    else if (name.endsWith(".sol")) {
      out[path.relative(root, full).split(path.sep).join("/")] = { content: fs.readFileSync(full, "utf8") };
    }
  }
  return out;
}

const input = {
  language: "Solidity",
  sources: sources(path.join(root, "sol")),
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "prague",
    metadata: { bytecodeHash: "none", appendCBOR: false },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
for (const e of output.errors || []) console.error(e.formattedMessage);
if (errors.length) process.exit(1);

const artifacts = {};
for (const [file, contracts] of Object.entries(output.contracts)) {
  for (const [name, c] of Object.entries(contracts)) {
    if (!c.evm.bytecode.object) continue; // interfaces and abstract contracts
    if (file.startsWith("sol/lib/")) continue; // internal libraries, inlined
    artifacts[`${name}.json`] = JSON.stringify(
      {
        contractName: name,
        source: file,
        compiler: solc.version(),
        abi: c.abi,
        bytecode: "0x" + c.evm.bytecode.object,
        deployedBytecode: "0x" + c.evm.deployedBytecode.object,
      },
      null,
      2
    ) + "\n";
  }
}
const dir = path.join(root, "artifacts");
if (check) {
  const committed = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort() : [];
  const fresh = Object.keys(artifacts).sort();
  let ok = JSON.stringify(committed) === JSON.stringify(fresh);
  if (!ok) console.error(`artifact set differs: committed ${committed}, fresh ${fresh}`);
  for (const f of fresh) {
    const p = path.join(dir, f);
    if (!fs.existsSync(p) || fs.readFileSync(p, "utf8") !== artifacts[f]) {
      console.error(`artifacts/${f} differs from a fresh compile; run: npm run build`);
      ok = false;
    }
  }
  console.log(ok ? `artifacts match ${solc.version()}` : "artifacts are stale");
  process.exit(ok ? 0 : 1);
}
fs.mkdirSync(dir, { recursive: true });
for (const f of fs.readdirSync(dir)) if (f.endsWith(".json")) fs.unlinkSync(path.join(dir, f));
for (const [f, text] of Object.entries(artifacts)) fs.writeFileSync(path.join(dir, f), text);
console.log(`wrote ${Object.keys(artifacts).length} artifacts with solc ${solc.version()}`);
