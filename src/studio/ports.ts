// The studio's ports: everything the pipeline needs from the outside world, as small interfaces, one
// file per concern under ports/. Adapters (src/adapters/*) implement them; the studio never imports an
// adapter or a vendor SDK. Import from here.
export * from './ports/images.js';
export * from './ports/jobs.js';
export * from './ports/ledger.js';
export * from './ports/providers.js';
export * from './ports/telemetry.js';
