/**
 * The API's schemas live in the SDK (sdk/api/schemas.ts), shared with the client that validates
 * every answer with them; the routes and the OpenAPI generator import them from here.
 */
export * from "../../sdk/api/schemas.js";
