/**
 * The provider page's upload of a ciphertext: `PUT <blobUrl>` with the ciphertext as the body,
 * answered with `{ uri, scheme, digest, size }` (dapp/dev/blob-route.ts serves it locally). The SDK reads
 * blobs (sdk/blob/web-fetch.ts) but has no upload: where a deployment stores ciphertexts is the
 * deployment's business. XMLHttpRequest, because fetch reports no upload progress (and Chrome
 * streams request bodies only over HTTP/2). Failures are the SDK's BlobHttpError.
 */
import { BlobHttpError } from "../../../sdk/blob/errors.js";
import { redactUrl } from "../../../sdk/blob/http-range.js";

export type UploadProgress = (done: number, total: number) => void;

/** Uploads a ciphertext; resolves with the store's answer. */
export function putBlob(url: string, body: Blob, onProgress?: UploadProgress): Promise<{ uri: string; scheme: string; digest: string; size: number }> {
  const shown = redactUrl(url);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.lengthComputable ? e.total : body.size);
    xhr.onerror = () => reject(new BlobHttpError(shown, undefined, "the upload to the blob store failed", true));
    xhr.onload = () => {
      if (xhr.status < 200 || xhr.status >= 300) return reject(new BlobHttpError(shown, xhr.status, `the blob store refused the upload: ${xhr.responseText.slice(0, 200)}`, xhr.status >= 500));
      try {
        resolve(JSON.parse(xhr.responseText) as { uri: string; scheme: string; digest: string; size: number });
      } catch {
        reject(new BlobHttpError(shown, xhr.status, "the blob store's answer is not JSON", false));
      }
    };
    xhr.send(body);
  });
}
