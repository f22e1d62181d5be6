/**
 * RFC 9457 problem details: `application/problem+json` with type, title, status, detail, and
 * the stable `code` clients branch on. Details are written for clients and never include
 * upstream error text, key material or signatures.
 */
import type { Response } from "express";
import { ProblemCodes, type ProblemCode } from "../internal/errors.js";

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  instance?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export function problemType(code: ProblemCode): string {
  return `urn:sealshare:problem:${code}`;
}

export function problem(code: ProblemCode, detail: string, extra: Record<string, unknown> = {}, instance?: string): Problem {
  const { status, title } = ProblemCodes[code];
  return { ...extra, type: problemType(code), title, status, detail, code, ...(instance ? { instance } : {}) };
}

export function sendProblem(res: Response, p: Problem): void {
  res.status(p.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(p));
}
