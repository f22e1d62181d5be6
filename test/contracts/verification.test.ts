/**
 * Source verification, offline: what an auditor gets from Sourcify or an Etherscan-compatible
 * explorer, done here against a real `hardhat node` with no network access.
 *
 * The ledger is deployed the way the demo and the CLI deploy it (sdk/contracts.ts deployLedger),
 * then Sourcify's own library (lib-sourcify) rebuilds it from nothing but the compiler metadata
 * and the sources that `hardhat compile` wrote into the build info, recompiles with the pinned npm
 * `solc` (never a download), and compares the result with the bytecode on chain: the runtime code
 * and the creation transaction must both be a *perfect* match (same metadata hash, so the very
 * same sources, settings and compiler), which is what explorers show as "Exact Match".
 *
 * docs/VERIFY.md explains the same path for a public explorer.
 */
import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { JsonRpcProvider, Wallet } from "ethers";
import hre from "hardhat";
import {
  SolidityMetadataContract,
  SourcifyChain,
  Verification,
  setLibSourcifyLoggerLevel,
  type ISolidityCompiler,
  type Metadata,
  type PathContent,
  type SolidityJsonInput,
  type SolidityOutput,
} from "@ethereum-sourcify/lib-sourcify";
import { deployLedger } from "../../sdk/contracts.js";
import { Sealshare__factory } from "../../types/ethers-contracts/index.js";
import { startLocalChain, type LocalChain } from "../../devkit/local-chain.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const ARTIFACT = join(ROOT, "artifacts", "contracts", "Sealshare.sol", "Sealshare.json");

interface HardhatArtifact {
  sourceName: string;
  contractName: string;
  inputSourceName: string;
  buildInfoId: string;
  bytecode: string;
  deployedBytecode: string;
}
interface HardhatBuildInfo {
  solcLongVersion: string;
  input: SolidityJsonInput;
}
interface HardhatBuildInfoOutput {
  output: SolidityOutput;
}

/**
 * lib-sourcify's compiler seam, backed by the npm `solc` package (soljson, the same compiler
 * hardhat.config.ts hands Hardhat). It refuses any other version instead of fetching one.
 */
function npmSolc(): ISolidityCompiler & { version: string } {
  const solc = createRequire(import.meta.url)("solc") as { version(): string; compile(input: string): string };
  const version = solc.version().replace(/\.Emscripten\.clang$/, "");
  return {
    version,
    async compile(wanted: string, input: SolidityJsonInput): Promise<SolidityOutput> {
      if (wanted.replace(/^v/, "") !== version) {
        throw new Error(`metadata wants solc ${wanted}; only the pinned npm solc ${version} is available offline`);
      }
      const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolidityOutput;
      const errors = (output.errors ?? []).filter((e) => e.severity === "error");
      if (errors.length > 0) throw new Error(`solc: ${errors.map((e) => e.formattedMessage ?? e.message).join("\n")}`);
      return output;
    },
  };
}

/** The metadata and every source of the ledger, exactly as `hardhat compile` recorded them. */
async function ledgerMetadataAndSources(): Promise<{ metadata: Metadata; sources: PathContent[]; artifact: HardhatArtifact; buildInfo: HardhatBuildInfo }> {
  const artifact = JSON.parse(await readFile(ARTIFACT, "utf8")) as HardhatArtifact;
  const base = join(ROOT, "artifacts", "build-info", artifact.buildInfoId);
  const buildInfo = JSON.parse(await readFile(`${base}.json`, "utf8")) as HardhatBuildInfo;
  const { output } = JSON.parse(await readFile(`${base}.output.json`, "utf8")) as HardhatBuildInfoOutput;
  const compiled = output.contracts[artifact.inputSourceName]?.[artifact.contractName];
  if (!compiled?.metadata) {
    throw new Error(`no metadata for ${artifact.inputSourceName}:${artifact.contractName}; is "metadata" in the outputSelection of hardhat.config.ts?`);
  }
  const metadata = JSON.parse(compiled.metadata) as Metadata;
  const sources = Object.entries(buildInfo.input.sources).map(([path, source]) => ({
    path,
    content: (source as { content: string }).content,
  }));
  return { metadata, sources, artifact, buildInfo };
}

describe("Source verification (lib-sourcify against a real hardhat node, offline)", function () {
  // Two or three via-IR compilations of the ledger with soljson (a WebAssembly solc).
  this.timeout(15 * 60_000);

  let chain: LocalChain;
  let address: string;
  let deployTxHash: string;
  let chainId: number;

  before(async function () {
    // A --coverage run compiles an instrumented ledger: nothing an explorer would ever see.
    if (hre.globalOptions.coverage === true) this.skip();
    setLibSourcifyLoggerLevel(1); // warnings and errors only: no per-step info lines
    chain = await startLocalChain({ accounts: 1 });
    const provider = new JsonRpcProvider(chain.url, undefined, { staticNetwork: true });
    const deployer = new Wallet(chain.accounts[0]!, provider);
    const { ledger, deployment } = await deployLedger(deployer);
    address = deployment.ledger;
    deployTxHash = ledger.deploymentTransaction()!.hash;
    chainId = Number(deployment.chainId);
    provider.destroy();
  });

  after(async function () {
    await chain?.stop();
  });

  it("deployLedger ships exactly the creation code of the artifact the build info describes", async function () {
    const { artifact } = await ledgerMetadataAndSources();
    expect(Sealshare__factory.bytecode, "TypeChain types are stale: run hardhat compile").to.equal(artifact.bytecode);
  });

  it("the build info carries the ledger's metadata, every source it names, and the pinned compiler", async function () {
    const { metadata, sources, buildInfo } = await ledgerMetadataAndSources();
    expect(metadata.compiler.version).to.equal(npmSolc().version);
    expect(buildInfo.solcLongVersion).to.equal(npmSolc().version);
    expect(metadata.settings.compilationTarget).to.deep.equal({ "project/contracts/Sealshare.sol": "Sealshare" });
    const provided = new Set(sources.map((s) => s.path));
    for (const name of Object.keys(metadata.sources)) expect(provided, name).to.include(name);
  });

  it("recompiling from metadata and sources gives a perfect runtime and creation match", async function () {
    const { metadata, sources } = await ledgerMetadataAndSources();
    const contract = new SolidityMetadataContract(metadata, sources);
    expect(contract.missingSources, "missing sources").to.deep.equal({});
    expect(contract.invalidSources, "sources whose hash differs from the metadata").to.deep.equal({});

    const compilation = await contract.createCompilation(npmSolc());
    const sourcifyChain = new SourcifyChain({ name: "Hardhat node", chainId, rpcs: [{ rpc: chain.url }], supported: true });
    const verification = new Verification(compilation, sourcifyChain, address, deployTxHash);
    await verification.verify();

    expect(verification.status).to.deep.equal({ runtimeMatch: "perfect", creationMatch: "perfect" });
    // The only differences explained away are the constructor arguments and the immutables
    // (EIP-712 domain cache), which are values, not code.
    const kinds = (list: { type: string; reason: string }[]) => [...new Set(list.map((t) => `${t.type}:${t.reason}`))].sort();
    expect(kinds(verification.transformations.runtime.list)).to.deep.equal(["replace:immutable"]);
    expect(kinds(verification.transformations.creation.list)).to.deep.equal(["insert:constructorArguments"]);
  });

  it("a single changed byte of source is no longer a perfect match", async function () {
    const { metadata, sources } = await ledgerMetadataAndSources();
    const target = "project/contracts/modules/Access.sol";
    const tampered = sources.map((s) => (s.path === target ? { ...s, content: s.content.replace("valid", "va1id") } : s));
    const contract = new SolidityMetadataContract(metadata, tampered);
    expect(Object.keys(contract.invalidSources).concat(Object.keys(contract.missingSources))).to.include(target);
  });
});
