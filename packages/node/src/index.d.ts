// Types of the paywit JavaScript package. Names and cases follow the WIT
// package `paywit:gateway@0.1.0` (see wit/ in the repository).

/** A built-in scheme name. */
export type SchemeName =
  | 'standard-webhooks' | 'stripe' | 'github' | 'shopify' | 'coinbase-commerce' | 'btcpay'
  | 'razorpay' | 'slack' | 'paddle' | 'square' | 'nowpayments';
/** A raw-body HMAC in one header, for gateways without a built-in scheme. */
export interface HmacScheme {
  header: string;
  algorithm: 'sha256' | 'sha512' | 'sha1';
  encoding: 'hex' | 'base64';
  prefix?: string;
}
/** A scheme: a built-in name, or a generic HMAC description. */
export type Scheme = SchemeName | { hmac: HmacScheme };
/** Headers as a plain object, a WHATWG `Headers`, `[name, value]` pairs or `{name, value}` records. */
export type HeadersLike = Record<string, string | string[] | undefined> | Headers | Array<[string, string]> | Array<{ name: string; value: string }>;
/** The raw body exactly as received. */
export type BodyLike = string | Uint8Array | ArrayBuffer;

/** Base class of every error paywit throws; `code` is the WIT case name. */
export class PaywitError extends Error {
  readonly code: string;
  readonly details: unknown;
}
/** An argument outside its WIT type's range or shape, refused before it reaches the component. */
export class InvalidArgumentError extends PaywitError {
  readonly code: 'invalid-argument';
  readonly details: { argument: string; rule: string; got: string };
}
/** A reusable verifier for one scheme and rotation list; the component checks and prepares the secrets once. */
export class Verifier {
  constructor(scheme: Scheme, secrets: string | string[], options?: { toleranceSeconds?: number });
  /** Verifies one delivery; throws a `WebhookVerificationError` subclass on failure. */
  verify(headers: HeadersLike, body: BodyLike, options?: { now?: number | bigint; url?: string }): Verified;
}
export class WebhookVerificationError extends PaywitError {
  readonly code: 'no-secrets' | 'unusable-secret' | 'missing-header' | 'malformed-header' | 'missing-url'
    | 'malformed-body' | 'timestamp-outside-tolerance' | 'no-matching-signature' | 'limit-exceeded';
}
export class NoSecretsError extends WebhookVerificationError {}
export class UnusableSecretError extends WebhookVerificationError {
  readonly details: { index: number; problem: 'empty' | 'bad-encoding' | 'too-short' | 'too-long' | 'wrong-key-length' | 'wrong-key-kind' };
}
export class MissingHeaderError extends WebhookVerificationError { readonly details: string; }
export class MalformedHeaderError extends WebhookVerificationError { readonly details: { name: string; reason: string }; }
export class MissingUrlError extends WebhookVerificationError {}
export class MalformedBodyError extends WebhookVerificationError { readonly details: string; }
export class TimestampOutsideToleranceError extends WebhookVerificationError {
  readonly details: { secondsOutside: number; direction: 'past' | 'future'; toleranceSeconds: number };
}
export class NoMatchingSignatureError extends WebhookVerificationError {}
export class LimitExceededError extends WebhookVerificationError {
  readonly details: { what: string; max: number; actual: number };
}
export class WebhookSigningError extends PaywitError {}
export class IdempotencyKeyError extends PaywitError {}
export class PolicyError extends PaywitError {}
export class AmountError extends PaywitError {}
export class RefundError extends PaywitError {}
export class RequestVerificationError extends PaywitError {
  readonly code: 'missing-header' | 'malformed-header' | 'invalid-nonce' | 'unusable-secret' | 'unknown-key-id'
    | 'content-mismatch' | 'timestamp-outside-tolerance' | 'no-matching-signature';
}
export class KeyPlacementError extends PaywitError {
  readonly code: 'secret-in-browser' | 'unrecognised-in-browser' | 'live-key-in-test' | 'test-key-in-production';
}
export class ReconciliationError extends PaywitError {
  readonly code: 'invalid-payout-amount' | 'invalid-item-amount' | 'overflow';
}
export class AddressError extends PaywitError {
  readonly code: 'empty' | 'too-long' | 'invalid-character' | 'mixed-case' | 'bad-checksum' | 'wrong-network'
    | 'invalid-format' | 'invalid-program-length' | 'invalid-witness-version' | 'invalid-padding';
}
export class AlertRuleError extends PaywitError {
  readonly code: 'no-hysteresis' | 'threshold-out-of-range' | 'zero-windows';
}

export interface Verified { secretIndex: number; messageId?: string; signedAt?: number; }
export interface VerifyOptions {
  /** Unix seconds; defaults to the current time. */
  now?: number;
  /** Replay window in seconds (both directions); defaults to the scheme's. */
  toleranceSeconds?: number;
  /** The URL as registered with the gateway (Square). */
  url?: string;
}
export function verifyWebhook(scheme: Scheme, secrets: string | string[], headers: HeadersLike, body: BodyLike, options?: VerifyOptions): Verified;
export function signWebhook(scheme: Scheme, secret: string, body: BodyLike, message?: { id?: string; signedAt?: number; url?: string }): Record<string, string>;
export interface SchemeInfo {
  name: string; scheme: Scheme; headers: string[]; signedContent: string; algorithm: string;
  encoding: 'hex' | 'base64'; defaultToleranceSeconds?: number; secretFormat: string;
}
export function schemes(): SchemeInfo[];
export function newSecret(scheme: Scheme): string;
export function newSigningKeyPair(): { signingKey: string; publicKey: string };
export function publicKey(signingKey: string): string;

export interface KeyPolicy { retentionSeconds: number; requireKey: boolean; mismatchStatus: 'unprocessable-content' | 'bad-request'; }
export interface StoredKey { fingerprint: string; firstSeen: number; completed: boolean; responseRef?: string; }
export type Decision =
  | { decision: 'execute'; detail: 'new-key' | 'expired-key' | 'no-key' }
  | { decision: 'replay'; detail?: string }
  | { decision: 'in-progress' | 'mismatch' | 'missing-key' };
export interface Problem { status: number; contentType: string; body: string; }
export function newIdempotencyKey(): string;
export function parseIdempotencyKey(value: string): string;
export function fingerprint(method: string, path: string, body: BodyLike): string;
export function defaultKeyPolicy(): KeyPolicy;
export function decide(key: string | undefined, stored: StoredKey | undefined, fingerprint: string, options?: { now?: number; policy?: KeyPolicy }): Decision;
export function problemFor(decision: Decision, policy?: KeyPolicy): Problem | undefined;

export type TransportError = 'timeout' | 'connection-reset' | 'connection-refused' | 'dns' | 'tls' | 'unknown';
export interface Failure {
  status?: number; transport?: TransportError; errorType?: string; errorCode?: string; retryAfter?: string; shouldRetry?: string;
}
export type Category = 'invalid-request' | 'authentication' | 'permission' | 'not-found' | 'payment-declined'
  | 'idempotency-conflict' | 'rate-limited' | 'server-error' | 'transport' | 'unknown';
export interface Classification { category: Category; retry: boolean; reuseIdempotencyKey: boolean; fetchExisting: boolean; reason: string; }
export interface RetryPolicy {
  schedule: { tag: 'explicit'; val: number[] } | { tag: 'exponential'; val: { baseMs: number; multiplier: number; capMs: number } };
  maxAttempts: number;
  jitter: 'none' | 'full' | 'equal' | 'decorrelated';
  maxDelayMs: number;
}
export type NextStep = { retryAfterMs: number } | { giveUp: 'attempts-exhausted' | { notRetryable: Category } };
export function classify(failure: Failure): Classification;
export function parseRetryAfter(value: string, now?: number): number | undefined;
export function nextStep(policy: RetryPolicy, attempt: number, failure: Failure, options?: { now?: number; random?: bigint }): NextStep;
export function apiPolicy(): RetryPolicy;
export function webhookRedeliveryPolicy(): RetryPolicy;
export function standardWebhooksPolicy(): RetryPolicy;

export type State =
  | { kind: 'payment'; status: 'created' | 'requires-action' | 'processing' | 'failed' | 'authorized' | 'canceled' | 'succeeded' }
  | { kind: 'refund'; status: 'pending' | 'requires-action' | 'canceled' | 'succeeded' | 'failed' }
  | { kind: 'dispute'; status: 'inquiry-needs-response' | 'inquiry-under-review' | 'inquiry-closed' | 'prevented' | 'needs-response' | 'under-review' | 'won' | 'lost' }
  | { kind: 'payout'; status: 'pending' | 'in-transit' | 'canceled' | 'paid' | 'failed' }
  | { kind: 'invoice'; status: 'created' | 'payment-detected' | 'underpaid' | 'expired' | 'payment-confirmed' | 'settled' | 'paid-late' | 'overpaid' | 'invalid' | 'refunded' };
export type Outcome =
  | { outcome: 'advanced' | 'reversed'; state: State }
  | { outcome: 'unchanged' | 'stale' }
  | { outcome: 'rejected'; reason: 'kind-mismatch' | 'conflicts-with-terminal' };
export function apply(current: State | undefined, incoming: State): Outcome;
export function mapEvent(gateway: 'stripe' | 'coinbase-commerce' | 'btcpay' | 'generic-crypto', eventType: string, objectStatus?: string): State | undefined;
export function parseAmount(value: string): string;
export function assessPayment(expected: string, received: string, tolerance?: { atomic: string } | { basisPoints: number }):
  { verdict: 'exact' } | { verdict: 'underpaid' | 'overpaid'; amount: string; withinTolerance: boolean };
export function refundable(captured: string, alreadyRefunded: string, requested: string): { amount: string; remainingAfter: string };
export function confirmationStatus(confirmations: number, required: number): { confirmed: boolean; remaining: number };
export function requiredConfirmations(speed: 'high-speed' | 'medium-speed' | 'low-medium-speed' | 'low-speed', rbf?: boolean): number;

/** A shared secret for signed API requests; several may share one key id (rotation). */
export interface ApiSecret { keyId: string; secret: string; }
export interface VerifiedRequest { keyId: string; timestamp: number; nonce: string; }
export function signRequest(keyId: string, secret: string, request: { method: string; path: string; body?: BodyLike; timestamp?: number; nonce?: string }): Record<string, string>;
export function verifyRequest(secrets: ApiSecret[] | Record<string, string>, request: { method: string; path: string; headers: HeadersLike; body: BodyLike; now?: number; toleranceSeconds?: number }): VerifiedRequest;

export type KeyPlacement = 'browser' | 'server' | 'test-environment' | 'production-environment';
export interface KeyInfo { provider: string; kind: 'secret' | 'publishable' | 'restricted' | 'webhook-secret' | 'unknown'; mode: 'live' | 'test' | 'unknown'; }
export function classifyKey(key: string): KeyInfo;
export function checkKeyPlacement(key: string, placement: KeyPlacement): KeyInfo;
export function tokenStatus(issuedAt: number, expiresIn: number, options?: { now?: number; refreshSkewSeconds?: number }): { action: 'use' | 'refresh-now' | 'expired'; seconds: number };

export type PollDecision = { action: 'not-needed' } | { action: 'poll-now' | 'wait'; seconds: number };
export interface PayoutItem { id: string; kind: 'charge' | 'refund' | 'fee' | 'adjustment-credit' | 'adjustment-debit'; amount: string; }
export interface PayoutReport {
  /** Credits minus debits, signed ("-120" when debits win). */
  itemsNet: string;
  match: 'exact' | 'payout-higher' | 'payout-lower';
  difference?: string;
  missing: string[];
  unexpected: string[];
  duplicates: string[];
}
export function pollBackstop(state: State, lastEventAt: number, options?: { now?: number }): PollDecision;
export function reconcilePayout(payoutAmount: string, items: PayoutItem[], expectedIds?: string[]): PayoutReport;

export type Network = 'bitcoin-mainnet' | 'bitcoin-testnet' | 'ethereum';
export interface AddressInfo {
  kind: 'p2pkh' | 'p2sh' | 'witness-v0-key-hash' | 'witness-v0-script-hash' | 'taproot' | 'witness-future' | 'ethereum';
  checksummed: boolean;
}
export function validateAddress(network: Network, address: string): AddressInfo;

export interface Window { successes: number; failures: number; }
export interface AlertRule { alertAtBasisPoints: number; recoverBelowBasisPoints: number; minEvents: number; sustainedWindows: number; }
export function defaultAlertRule(): AlertRule;
export function evaluateAlert(windows: Window[], alerting: boolean, rule?: AlertRule): 'alert' | 'recover' | 'nothing';
