/**
 * The development nodes Sealshare runs on, and everything that differs between them on the
 * *driving* side (tests, the demo, `sealshare dev`, the fault harness): how each is started, how
 * blocks are mined by hand, and how a reorganization is made. What differs on the *following*
 * side (what the custodian reads) is handled in service/sync/node-quirks.ts; both are described
 * in docs/OPERATIONS.md ("Nodes").
 *
 *  - `hardhat`: `hardhat node` (Nomic Foundation's EDR). Reorgs can only be simulated: take an
 *    `evm_snapshot`, build a branch, `evm_revert` to the snapshot and build a longer one. The
 *    follower sees the same heights with other hashes, as in a real reorg, but the orphaned
 *    transactions were never "moved": they are simply gone.
 *  - `anvil`: Foundry's node (revm). `anvil_reorg(depth, [[tx, blockOffset], …])` replaces the
 *    last `depth` blocks with new ones holding the given transactions (offset 0 = the first new
 *    block), at the same height: the reorg a real network makes, with the orphaned branch's
 *    transactions dropped, re-included in another block, or replaced by conflicting ones.
 *    `anvil_rollback(depth)` removes the last `depth` blocks (the chain gets shorter).
 *    Both also set Anvil's clock back: the new blocks copy the replaced ones' timestamps, and
 *    every block after them would lag the wall clock by the time the replaced branch took — for
 *    good, and more with each reorg (a real chain's timestamps keep following its slots). So
 *    after each one the clock is set to the wall clock again (`evm_setTime`), or block
 *    timestamps would drift behind the custodian's wall-clock dates (a receipt sealed "before"
 *    the release it records).
 */
import type { JsonRpcApiProvider } from "ethers";

export const NODE_KINDS = ["hardhat", "anvil"] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

/** Reads a node kind from a command-line or environment value; undefined → hardhat. */
export function parseNodeKind(value: string | undefined): NodeKind {
  if (value === undefined || value === "") return "hardhat";
  const v = value.toLowerCase();
  if ((NODE_KINDS as readonly string[]).includes(v)) return v as NodeKind;
  throw new Error(`unknown node "${value}": use ${NODE_KINDS.join(" or ")}`);
}

/** The nodes the test matrix runs on: SEALSHARE_TEST_NODES="hardhat,anvil" (the default). */
export function testNodes(env: NodeJS.ProcessEnv = process.env): NodeKind[] {
  const raw = env.SEALSHARE_TEST_NODES ?? NODE_KINDS.join(",");
  return [...new Set(raw.split(",").map((s) => s.trim()).filter(Boolean).map(parseNodeKind))];
}

/** A transaction placed in the replacement branch of {@link NodeControl.reorg}. */
export interface ReorgTx {
  /** A signed raw transaction (0x…), or a request the node signs with one of its accounts. */
  tx: string | { from: string; to?: string; data?: string; value?: string; gas?: string };
  /** Which new block holds it: 0 = the first block after the common ancestor (< depth). */
  block: number;
}

/**
 * A fork point taken with {@link NodeControl.fork}: everything mined after it can be replaced
 * by another branch of the same height ({@link Fork.replace}).
 */
export interface Fork {
  /** The height of the common ancestor (the head when the fork was taken). */
  readonly base: number;
  /**
   * Replaces the blocks above `base` by as many new blocks holding exactly `txs` (a block index
   * is relative to `base + 1`; the orphaned transactions are dropped unless given again), then
   * mines `extra` more blocks. Anvil: one `anvil_reorg`, a real reorg. Hardhat: `evm_revert` to
   * the fork's snapshot and the branch rebuilt block by block, a second later (a simulation: the
   * follower sees the same heights with other hashes, as in a real reorg; transactions waiting in
   * Hardhat's pool ride along, where Anvil's new blocks hold only `txs`). Automine is left off on return
   * if it was off.
   */
  replace(txs?: ReorgTx[], extra?: number): Promise<{ depth: number; head: number }>;
}

/** Hand control over a node's block production. Every method works on both nodes unless noted. */
export interface NodeControl {
  readonly kind: NodeKind;
  /** Mines `n` empty-or-pending blocks at once. */
  mine(n?: number): Promise<void>;
  /** Automine on/off (off: transactions wait in the pool until {@link mine}). */
  setAutomine(on: boolean): Promise<void>;
  snapshot(): Promise<string>;
  revert(id: string): Promise<boolean>;
  /** Whether {@link reorg} and {@link rollback} make real reorgs on this node. */
  readonly realReorgs: boolean;
  /**
   * Anvil only: replaces the last `depth` blocks by `depth` new ones holding exactly `txs`
   * (the orphaned blocks' transactions are dropped unless given again). Same height afterwards.
   */
  reorg(depth: number, txs?: ReorgTx[]): Promise<void>;
  /** Anvil only: removes the last `depth` blocks. */
  rollback(depth: number): Promise<void>;
  /** Marks the current head as a fork point (on Hardhat: takes a snapshot there). */
  fork(): Promise<Fork>;
}

const hex = (n: number) => `0x${n.toString(16)}`;

export function nodeControl(kind: NodeKind, provider: Pick<JsonRpcApiProvider, "send">): NodeControl {
  const send = (m: string, p: unknown[]) => provider.send(m, p);
  const height = async () => parseInt(String(await send("eth_blockNumber", [])), 16);
  /** Anvil after anvil_reorg / anvil_rollback: the next blocks follow the wall clock again (above). */
  const resyncClock = async () => {
    const head = (await send("eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
    await send("evm_setTime", [Math.max(Math.floor(Date.now() / 1000), parseInt(head.timestamp, 16))]);
  };
  const anvilOnly = (what: string) => {
    throw new Error(`${what} needs a node that makes real reorgs (anvil); ${kind} can only simulate them with snapshots`);
  };
  const control: NodeControl = {
    kind,
    realReorgs: kind === "anvil",
    async mine(n = 1) {
      if (n <= 0) return;
      // Both mine n blocks in one call; the names differ.
      await send(kind === "anvil" ? "anvil_mine" : "hardhat_mine", [hex(n)]);
    },
    async setAutomine(on) {
      await send("evm_setAutomine", [on]);
    },
    async snapshot() {
      return String(await send("evm_snapshot", []));
    },
    async revert(id) {
      return Boolean(await send("evm_revert", [id]));
    },
    async reorg(depth, txs = []) {
      if (kind !== "anvil") return anvilOnly("anvil_reorg");
      await send("anvil_reorg", [depth, txs.map((t) => [t.tx, t.block])]);
      await resyncClock();
    },
    async rollback(depth) {
      if (kind !== "anvil") return anvilOnly("anvil_rollback");
      await send("anvil_rollback", [depth]);
      await resyncClock();
    },
    async fork() {
      const base = await height();
      const snapshot = kind === "anvil" ? undefined : String(await send("evm_snapshot", []));
      return {
        base,
        async replace(txs = [], extra = 0) {
          const top = await height();
          const depth = top - base;
          if (depth < 1) throw new Error(`nothing to replace: the head (${top}) is not above the fork point (${base})`);
          const late = txs.find((t) => t.block < 0 || t.block >= depth);
          if (late) throw new Error(`a replacement transaction's block (${late.block}) must be in 0..${depth - 1}`);
          if (kind === "anvil") {
            await control.reorg(depth, txs);
          } else {
            // Rebuilt from the same transactions with the same timestamp, a Hardhat block would be
            // the very same block (no reorg at all): the new branch starts a second later.
            const orphan = (await send("eth_getBlockByNumber", [hex(base + 1), false])) as { timestamp: string };
            if (!(await control.revert(snapshot!))) throw new Error("evm_revert refused the fork's snapshot");
            await send("evm_setNextBlockTimestamp", [hex(parseInt(orphan.timestamp, 16) + 1)]);
            const automine = Boolean(await send("hardhat_getAutomine", []));
            await control.setAutomine(false);
            try {
              for (let b = 0; b < depth; b++) {
                for (const t of txs.filter((x) => x.block === b)) {
                  if (typeof t.tx === "string") await send("eth_sendRawTransaction", [t.tx]);
                  else await send("eth_sendTransaction", [t.tx]);
                }
                await control.mine(1);
              }
            } finally {
              await control.setAutomine(automine);
            }
          }
          await control.mine(extra);
          return { depth, head: await height() };
        },
      };
    },
  };
  return control;
}
