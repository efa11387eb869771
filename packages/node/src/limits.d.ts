/** The component's input limits (kebab-case names, from paywit::limits). */
export declare const LIMITS: {
  readonly 'body-bytes': number;
  readonly 'header-bytes': number;
  readonly 'header-count': number;
  readonly 'id-bytes': number;
  readonly 'secret-bytes': number;
  readonly 'secret-count': number;
  readonly 'url-bytes': number;
};
