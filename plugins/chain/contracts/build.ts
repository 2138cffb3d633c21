/**
 * Compiles DemoNft.sol (OpenZeppelin 5.7, solc-js, evmVersion cancun) into
 * demo_nft.json, and DemoWallet.sol (an ERC-1271 smart wallet for tests) into
 * demo_wallet.json (ABI + bytecode); both are committed so tests never recompile.
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
  sources: Object.fromEntries(
    ["DemoNft.sol", "DemoWallet.sol"].map((f) => [f, {
      content: Deno.readTextFileSync(new URL(f, here)),
    }]),
  ),
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
for (
  const [file, name, out] of [
    ["DemoNft.sol", "DemoNft", "demo_nft.json"],
    ["DemoWallet.sol", "DemoWallet", "demo_wallet.json"],
  ]
) {
  const contract = output.contracts[file][name];
  const artifact = {
    contractName: name,
    compiler: `solc ${solc.version()}`,
    evmVersion: "cancun",
    abi: contract.abi,
    bytecode: `0x${contract.evm.bytecode.object}`,
  };
  Deno.writeTextFileSync(new URL(out, here), JSON.stringify(artifact, null, 2) + "\n");
  console.log(
    `wrote ${out} (${contract.evm.bytecode.object.length / 2} bytes, ${artifact.compiler})`,
  );
}
