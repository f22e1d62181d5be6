/**
 * Checks a consent receipt against the ledger: the consent it names was recorded (ConsentGiven),
 * the ledger recorded this receipt's hash for it, and the receipt's terms are that consent's terms
 * (they hash to its id on this ledger). Together: the ledger commits to exactly this document.
 *
 * @example
 * const receipt = parseReceipt(await readFile("consent-receipt.json", "utf8"));
 * const found = await verifyReceiptOnChain({ provider, ledger: deployment.ledger, receipt, consentId, fromBlock: deployment.deployBlock });
 * console.log(`recorded in block ${found.blockNumber}${found.revoked ? ", since revoked" : ""}`);
 */
import type { ContractRunner, Provider } from "ethers";
import { connectLedger, type Sealshare } from "../contracts.js";
import type { Hex } from "../stream/hex.js";
import { ConsentReceiptError, consentTermsOf, receiptHash } from "./receipt.js";
import type { ConsentReceipt } from "./schema.js";
import { readEvents, type EventReaderOptions } from "../reads/events.js";

export interface VerifyReceiptParams {
  /** Reads the chain. Not needed when `ledger` is a connected contract. */
  readonly provider?: Provider;
  /** The ledger's address, or a connected contract. */
  readonly ledger: string | Sealshare;
  readonly receipt: ConsentReceipt;
  /** The consent to check against. Default: the id the receipt's terms hash to. */
  readonly consentId?: string;
  /** First block to search for the event (e.g. the deployment block). Default 0. */
  readonly fromBlock?: number;
  /** Last block to search. Default latest. */
  readonly toBlock?: number;
  /** How events are paged (sdk/reads/events.ts). */
  readonly reader?: EventReaderOptions;
}

export interface VerifiedReceipt {
  readonly consentId: Hex;
  readonly receiptHash: Hex;
  readonly blockNumber: number;
  readonly transactionHash: string;
  readonly relayer: string; // who sent the transaction recording the consent
  /** Current state on chain, for convenience; the receipt is valid evidence either way. */
  readonly revoked: boolean;
}

/**
 * Resolves when the ledger recorded this receipt for the consent; otherwise throws a
 * ConsentReceiptError: RECEIPT_WRONG_CHAIN / RECEIPT_WRONG_LEDGER (the receipt names another
 * deployment), CONSENT_NOT_RECORDED, RECEIPT_HASH_MISMATCH (the ledger recorded another
 * document), RECEIPT_TERMS_MISMATCH (the document describes other terms than the consent's).
 */
export async function verifyReceiptOnChain(params: VerifyReceiptParams): Promise<VerifiedReceipt> {
  const { receipt } = params;
  const ledger = typeof params.ledger === "string" ? connectLedger(params.ledger, requireRunner(params.provider)) : params.ledger;
  const provider = params.provider ?? ledger.runner?.provider ?? undefined;
  if (provider == null) throw new ConsentReceiptError("NO_PROVIDER", "a provider is needed to read the ledger");

  const { chainId } = await provider.getNetwork();
  if (chainId.toString() !== receipt.sealshare.chainId) {
    throw new ConsentReceiptError("RECEIPT_WRONG_CHAIN", `the receipt is for chain ${receipt.sealshare.chainId}, the provider is on chain ${chainId}`, {
      details: { receiptChainId: receipt.sealshare.chainId, chainId: chainId.toString() },
    });
  }
  const address = await ledger.getAddress();
  if (address.toLowerCase() !== receipt.sealshare.ledger.toLowerCase()) {
    throw new ConsentReceiptError("RECEIPT_WRONG_LEDGER", `the receipt is for ledger ${receipt.sealshare.ledger}, not ${address}`, {
      details: { receiptLedger: receipt.sealshare.ledger, ledger: address },
    });
  }

  const hash = receiptHash(receipt);
  const terms = consentTermsOf(receipt);
  const termsId = (await ledger.consentId(terms)).toLowerCase() as Hex;
  const consentId = (params.consentId?.toLowerCase() ?? termsId) as Hex;

  const events = await readEvents({ provider, ledger: address, fromBlock: params.fromBlock ?? 0, reader: params.reader }, { event: "ConsentGiven", topics: [consentId], toBlock: params.toBlock });
  const given = events[0];
  if (given === undefined) {
    throw new ConsentReceiptError("CONSENT_NOT_RECORDED", `no ConsentGiven event for consent ${consentId} on ledger ${address}`, {
      hint: "check the consent id, the chain, and the block range searched",
      details: { consentId },
    });
  }
  if (given.args.receiptHash.toLowerCase() !== hash) {
    throw new ConsentReceiptError("RECEIPT_HASH_MISMATCH", `the ledger recorded receipt hash ${given.args.receiptHash} for consent ${consentId}; this receipt hashes to ${hash}`, {
      hint: "the receipt was modified after the consent was given, or belongs to another consent",
      details: { consentId, recorded: given.args.receiptHash, computed: hash },
    });
  }
  if (termsId !== consentId) {
    throw new ConsentReceiptError("RECEIPT_TERMS_MISMATCH", `the receipt's terms are consent ${termsId}, not consent ${consentId}`, {
      hint: "the consent on chain has other terms than the receipt describes (its receiptHash was reused)",
      details: { consentId, termsId },
    });
  }
  const { revoked } = await ledger.consentOf(consentId);
  return { consentId, receiptHash: hash, blockNumber: given.blockNumber, transactionHash: given.txHash, relayer: given.args.relayer, revoked };
}

function requireRunner(provider: Provider | undefined): ContractRunner {
  if (provider === undefined) throw new ConsentReceiptError("NO_PROVIDER", "pass a provider with a ledger address");
  return provider;
}
