/**
 * Where the gas of a share goes, from opcode traces (debug_traceTransaction) of the three
 * headline transactions (and of the two receipts) on an in-process Hardhat network, in the contract
 * tests' world (devkit/contract-world.ts, the one test/contracts/fixture.ts builds), after one
 * warm-up share (a ledger in use).
 *
 * Each transaction's gasUsed is split into: the 21,000 base; calldata (4 gas per zero byte, 16
 * per non-zero byte); storage writes (SSTORE, by kind: a new slot 20,000, an update 2,900, plus
 * 2,100 when the slot was cold); storage reads (SLOAD: 2,100 cold, 100 warm); events (LOGn:
 * 375 + 375 per topic + 8 per data byte); ecrecover (precompile: 3,000 + the call); keccak256;
 * and everything else (stack, memory, calldata decoding, jumps). The parts add up to gasUsed,
 * which the script checks. docs/GAS.md quotes its output.
 *
 * Usage: tsx tools/gas-breakdown.ts
 */
import { network } from "hardhat";
import { getBytes, type ContractTransactionResponse } from "ethers";
import { buildContractWorld, requestIdOf } from "../devkit/contract-world.js";

interface StructLog {
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
}

const connection = await network.create();
const w = await buildContractWorld(await connection.ethers.getSigners());

async function share() {
  const terms = await w.consentTerms();
  const request = await w.ledger.connect(w.insurer).requestAccessWithConsent(w.requestParams(), terms, await w.signConsent(terms));
  const requestId = await requestIdOf(w.ledger, request);
  const provider = await w.ledger.connect(w.bank).approveAsProvider(requestId);
  const supervisor = await w.ledger.connect(w.sup1).approveAsSupervisor(requestId);
  return { request, provider, supervisor };
}

const fmt = (n: number) => n.toLocaleString("en-US");

async function breakdown(name: string, tx: ContractTransactionResponse) {
  const receipt = (await tx.wait())!;
  const trace = (await connection.provider.request({ method: "debug_traceTransaction", params: [tx.hash] })) as {
    structLogs: StructLog[];
  };
  const logs = trace.structLogs;
  /** The gas an op really took: the drop in gas to the next op in the same frame. */
  const cost = (i: number): number => {
    for (let j = i + 1; j < logs.length; j++) {
      if (logs[j]!.depth === logs[i]!.depth) return logs[i]!.gas - logs[j]!.gas;
      if (logs[j]!.depth < logs[i]!.depth) break;
    }
    return logs[i]!.gasCost;
  };
  const data = getBytes(tx.data);
  const zero = data.filter((b) => b === 0).length;
  const calldata = 4 * zero + 16 * (data.length - zero);

  const parts = new Map<string, number>();
  const add = (part: string, gas: number) => parts.set(part, (parts.get(part) ?? 0) + gas);
  const counts = new Map<string, number>();
  const count = (what: string) => counts.set(what, (counts.get(what) ?? 0) + 1);
  for (let i = 0; i < logs.length; i++) {
    const { op, depth } = logs[i]!;
    if (depth !== 1) continue; // precompile calls have no frames of their own
    const c = cost(i);
    if (op === "SSTORE") {
      add("storage writes (SSTORE)", c);
      const kind = c >= 20_000 ? "new slot" : c >= 2_900 ? "update" : "re-write of a written slot";
      count(`SSTORE ${kind}${c === 22_100 || c === 5_000 ? " (cold)" : ""}`);
    } else if (op === "SLOAD") {
      add("storage reads (SLOAD)", c);
      count(c >= 2_100 ? "SLOAD cold" : "SLOAD warm");
    } else if (op.startsWith("LOG")) {
      add("events (LOG)", c);
      count(op);
    } else if (op === "STATICCALL" && c >= 3_000) {
      add("ecrecover (precompile call)", c);
      count("ecrecover");
    } else if (op === "KECCAK256" || op === "SHA3") {
      add("keccak256", c);
    } else {
      add("everything else (stack, memory, decoding, jumps)", c);
    }
  }
  const execution = [...parts.values()].reduce((s, g) => s + g, 0);
  const total = 21_000 + calldata + execution;
  const gasUsed = Number(receipt.gasUsed);
  console.log(`\n${name}: gasUsed ${fmt(gasUsed)}${total === gasUsed ? "" : ` (parts add up to ${fmt(total)})`}`);
  console.log(`  ${"base (intrinsic)".padEnd(50)} ${fmt(21_000).padStart(7)}`);
  console.log(`  ${`calldata (${data.length} bytes, ${zero} zero)`.padEnd(50)} ${fmt(calldata).padStart(7)}`);
  for (const [part, gas] of parts) console.log(`  ${part.padEnd(50)} ${fmt(gas).padStart(7)}`);
  console.log(`  ${[...counts].map(([what, n]) => `${n}× ${what}`).join(", ")}`);
  return gasUsed;
}

await share(); // warm-up: a ledger in use
const s = await share();
const total =
  (await breakdown("requestAccessWithConsent (Insurer relays Ana's signed consent with its request)", s.request)) +
  (await breakdown("approveAsProvider (Bank; grants Temporary)", s.provider)) +
  (await breakdown("approveAsSupervisor (sup1; upgrades to Formal)", s.supervisor));
console.log(`\nwhole share (3 transactions): ${fmt(total)}`);

// The receipts, for the record.
await breakdown(
  "recordRelease (one receipt)",
  await w.ledger.connect(w.custodian).recordRelease(await requestIdOf(w.ledger, s.request), 2, w.consentIdOf(await w.consentTerms())),
);
await breakdown(
  "sealReceiptBatch (a root for 100 releases)",
  await w.ledger.connect(w.custodian).sealReceiptBatch(`0x${"5e".repeat(16)}`, `0x${"a1".repeat(32)}`, 100),
);
console.log();
