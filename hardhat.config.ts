import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { configVariable, defineConfig } from "hardhat/config";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";

// Hardhat cannot download compilers here (no internet: HHE905), so we pin the npm `solc`
// package and hand Hardhat its soljson.js. The version string must match the package's.
const require = createRequire(import.meta.url);
const SOLC_VERSION = "0.8.37";
const soljson = require.resolve("solc/soljson.js");

// The settings the ledger ships with. "metadata" is requested on top of Hardhat's defaults so
// the build info carries the compiler metadata that source verification works from
// (docs/VERIFY.md); it does not change the bytecode.
const LEDGER_COMPILER = {
  version: SOLC_VERSION,
  path: soljson,
  settings: {
    evmVersion: "cancun",
    // runs: 200 (was 10,000). The proof-of-possession, supervisor-rotation and category-floor
    // checks (issue 11) took the runtime code from 24,172 to 28,314 bytes at 10,000 runs, over
    // EIP-170's 24,576; at 200 runs the optimizer stops trading size for gas on rarely-run code
    // and the ledger fits. runs: 100 (session 5): the signed-approval relay (relayShare,
    // relayShares), the split category-floor errors and MemberView took it to 24,612 bytes at
    // 200 runs; 24,482 at 100. The gas effect is in docs/GAS.md. The ledger has ~90 bytes left:
    // the next feature needs a module split (docs/GAS.md, "Code size").
    optimizer: { enabled: true, runs: 100 },
    viaIR: true,
    outputSelection: { "*": { "*": ["metadata"] } },
  },
};

// The Solidity tests (contracts/test/*.t.sol) are a harness around the production artifact,
// which they deploy as shipped (vm.getCode), so they need neither via-IR nor the optimizer:
// compiled plainly they build in seconds instead of minutes. Hardhat keys overrides by source
// name, hence the listing; a new test file picks this up by itself.
const SOLIDITY_TESTS_DIR = "contracts/test";
const solidityTestOverrides = Object.fromEntries(
  readdirSync(new URL(`./${SOLIDITY_TESTS_DIR}/`, import.meta.url))
    .filter((file) => file.endsWith(".t.sol"))
    .map((file) => [
      `${SOLIDITY_TESTS_DIR}/${file}`,
      { version: SOLC_VERSION, path: soljson, settings: { evmVersion: "cancun", optimizer: { enabled: false } } },
    ]),
);

// An Etherscan-compatible explorer of a chain Hardhat does not know (a consortium chain's own
// explorer, say): set these three and `hardhat verify` talks to it. Known chains (mainnet,
// Sepolia, L2s) need nothing here.
const explorerChainId = process.env.SEALSHARE_EXPLORER_CHAIN_ID;
const explorerChain =
  explorerChainId === undefined
    ? {}
    : {
        [explorerChainId]: {
          name: process.env.SEALSHARE_EXPLORER_NAME ?? "Sealshare chain",
          blockExplorers: {
            etherscan: {
              name: process.env.SEALSHARE_EXPLORER_NAME ?? "Explorer",
              url: process.env.SEALSHARE_EXPLORER_URL,
              apiUrl: process.env.SEALSHARE_EXPLORER_API_URL,
            },
          },
        },
      };

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  solidity: {
    // Tests compile in their own job: the production build info then holds production sources
    // only (what verification reads), and editing a test does not recompile the ledger.
    splitTestsCompilation: true,
    profiles: {
      default: { compilers: [LEDGER_COMPILER], overrides: solidityTestOverrides },
      production: { compilers: [LEDGER_COMPILER] },
    },
  },
  paths: {
    tests: { mocha: "test", solidity: SOLIDITY_TESTS_DIR },
  },
  networks: {
    // `hardhat node` and in-process simulated chains use this one.
    default: { type: "edr-simulated", chainType: "l1" },
    localhost: { type: "http", chainType: "l1", url: process.env.SEALSHARE_RPC_URL ?? "http://127.0.0.1:8545" },
    // A public test network for a deployment auditors can read on Etherscan. Configuration
    // variables are read only when the network is used: from the environment, or from the
    // encrypted keystore (`npx hardhat keystore set SEPOLIA_PRIVATE_KEY`).
    sepolia: {
      type: "http",
      chainType: "l1",
      url: configVariable("SEPOLIA_RPC_URL"),
      accounts: [configVariable("SEPOLIA_PRIVATE_KEY")],
    },
  },
  chainDescriptors: explorerChain,
  // `hardhat verify` and `hardhat ignition deploy --verify` (docs/VERIFY.md). The API key is a
  // configuration variable too: never in this file.
  verify: {
    etherscan: { apiKey: configVariable("ETHERSCAN_API_KEY") },
    blockscout: { enabled: true },
    sourcify: { enabled: true },
  },
  test: {
    mocha: { timeout: 120_000 },
    // `hardhat test solidity`: sized to finish in about a minute on two cores. The seed is
    // fixed (Hardhat's default) so runs are reproducible; set SEALSHARE_FUZZ_SEED to explore.
    solidity: {
      fuzz: { runs: 256, seed: process.env.SEALSHARE_FUZZ_SEED },
      invariant: { runs: 64, depth: 32 },
    },
  },
  // `--coverage` reports on the ledger's own code: everything under contracts/test/ (the
  // Solidity tests, the test doubles in doubles/ and the benchmark helpers in bench/) is compiled
  // with the tests and not instrumented. Branch coverage: tools/branch-coverage.ts.
  coverage: {
    skipFiles: ["contracts/test/**"],
  },
});
