/**
 * Compiles DemoNft.sol (OpenZeppelin 5.7, solc-js, evmVersion cancun) into
 * demo_nft.json (ABI + bytecode), which is committed so tests never recompile.
 * Run: deno run -A plugins/chain/contracts/build.ts
 */
import solc from "solc";

const here = new URL("./", import.meta.url);
const ozRoot = new URL(import.meta.resolve("@openzeppelin/contracts/package.json"));

function findImport(path: string): { contents: string } | { error: string } {
  try {
    if (path.startsWith("@openzeppelin/contracts/")) {
      const rel = path.slice("@openzeppelin/contracts/".length);
      return { contents: Deno.readTextFileSync(new URL(rel, ozRoot)) };
    }
    return { contents: Deno.readTextFileSync(new URL(path, here)) };
  } catch (error) {
    return { error: String(error) };
  }
}

const input = {
  language: "Solidity",
  sources: { "DemoNft.sol": { content: Deno.readTextFileSync(new URL("DemoNft.sol", here)) } },
  settings: {
    evmVersion: "cancun",
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));
const errors = (output.errors ?? []).filter((e: { severity: string }) => e.severity === "error");
if (errors.length) {
  for (const e of errors) console.error(e.formattedMessage);
  Deno.exit(1);
}
const contract = output.contracts["DemoNft.sol"].DemoNft;
const artifact = {
  contractName: "DemoNft",
  compiler: `solc ${solc.version()}`,
  evmVersion: "cancun",
  abi: contract.abi,
  bytecode: `0x${contract.evm.bytecode.object}`,
};
Deno.writeTextFileSync(new URL("demo_nft.json", here), JSON.stringify(artifact, null, 2) + "\n");
console.log(
  `wrote demo_nft.json (${contract.evm.bytecode.object.length / 2} bytes, ${artifact.compiler})`,
);
