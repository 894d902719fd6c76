/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type CancelCatalogInput = {
  id: string | number;
};

export type CatalogDefaultsInput = {
  /** Images per item (1–4, default 2) */
  count?: number | null | undefined;
  /** Every item's images are also made to these marketplace presets, with a compliance report */
  exports?: Array<MarketplacePreset> | null | undefined;
  /** Unset: REFERENCE for items with photos, TEXT_TO_IMAGE for items without */
  mode?: GenerationMode | null | undefined;
  options?: StyleOptionsInput | null | undefined;
  /** PACKSHOT: a soft contact shadow under the product */
  shadow?: boolean | null | undefined;
};

export type CatalogItemInput = {
  backgroundImage?: File | Blob | null | null | undefined;
  faceImage?: File | Blob | null | null | undefined;
  /** Over the catalogue's defaults, option by option */
  options?: StyleOptionsInput | null | undefined;
  /** Up to 4 product photos */
  productImages: Array<File | Blob | null>;
  /** Extra direction (≤ 1000 characters) */
  prompt?: string | null | undefined;
  /** Your product code: 1–100 letters, digits, . _ - or spaces; unique in the catalogue */
  sku: string;
};

export type CatalogStatus =
  /** Canceled: the items that had not run were refunded. */
  | 'CANCELED'
  /** Finished; no item succeeded (every item refunded). */
  | 'FAILED'
  /** Finished; some items failed or were canceled (and refunded). */
  | 'PARTIAL'
  /** No item has started yet. */
  | 'QUEUED'
  /** Items are being made. */
  | 'RUNNING'
  /** Every item succeeded. */
  | 'SUCCEEDED';

export type ContentType =
  | 'MODEL'
  | 'PRODUCT_ONLY';

export type CreateApiKeyInput = {
  /** Which backend uses it (≤ 100 characters) */
  name: string;
};

export type CreateTopUpInput = {
  /** A TopUpPackage name */
  package: string;
};

export type ExportImageInput = {
  /** GeneratedImage.id of one of your images */
  imageId: string | number;
  preset: MarketplacePreset;
};

export type GenerateImagesInput = {
  /** The environment to place the product in */
  backgroundImage?: File | Blob | null | null | undefined;
  count?: number | null | undefined;
  /** Every image is also made to these marketplace presets, in the job, with a compliance report (GeneratedImage.exports) */
  exports?: Array<MarketplacePreset> | null | undefined;
  /** The model's face, for MODEL content */
  faceImage?: File | Blob | null | null | undefined;
  /** Retrying with the same key returns the same generation and charges once */
  idempotencyKey?: string | null | undefined;
  mode?: GenerationMode | null | undefined;
  options?: StyleOptionsInput | null | undefined;
  /** Up to 4 product photos (JPEG, PNG or WebP) */
  productImages?: Array<File | Blob | null> | null | undefined;
  /** Extra direction in your own words (≤ 1000 characters) */
  prompt?: string | null | undefined;
  /** PACKSHOT: a soft contact shadow under the product */
  shadow?: boolean | null | undefined;
  /** Called (POST, Standard Webhooks signature) once the generation has finished. https and a public address only. */
  webhookUrl?: string | null | undefined;
};

export type GenerationMode =
  /** Your product photo cut out and placed on pure white, square, sized for a marketplace (the first of `exports`, else 1600 px at 85% fill). No image model: cheaper and fast. Needs a product photo. */
  | 'PACKSHOT'
  /** An edit model sees your photos themselves: closer to the real product, costs more. */
  | 'REFERENCE'
  /** A text-to-image model works from the prompt composed from your photos and options. */
  | 'TEXT_TO_IMAGE';

export type GenerationStage =
  /** The vision model is reading the photos (done/total). */
  | 'DESCRIBING'
  /** Done: see status; query generation(id) for the images. */
  | 'FINISHED'
  /** The images are being made. */
  | 'GENERATING'
  /** Our own copy of an image is stored (done/total). */
  | 'IMAGE_STORED'
  /** A catalogue's item finished (done of total items); on the catalogue's id. */
  | 'ITEM_FINISHED'
  /** Waiting: queuePosition jobs ahead, at Etalase first (queue = ETALASE), then at the image service (PROVIDER). */
  | 'QUEUED'
  /** The images that failed the review are made again, at no charge (done/total). */
  | 'REMAKING'
  /** Each image is checked against the seller's photos (done/total). */
  | 'REVIEWING'
  /** Saving the result. */
  | 'SETTLING';

export type GenerationStatus =
  | 'CANCELED'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

export type ImageReviewIssueKind =
  | 'COLOUR_CHANGED'
  | 'LOGO_CHANGED'
  | 'PRODUCT_MISSING'
  | 'SHAPE_CHANGED'
  | 'TEXT_CHANGED'
  | 'UNSAFE'
  | 'UNWANTED_TEXT'
  | 'WRONG_ASPECT';

export type ImageReviewVerdict =
  /** At least one issue: the image is delivered flagged (re-made once already; remakeImage is not needed to see it). */
  | 'FAIL'
  /** Checked against the seller's photos: nothing wrong found. */
  | 'PASS'
  /** The review could not run (the model did not answer in time); nothing wrong was measured. */
  | 'UNCHECKED';

export type ImageSlot =
  | 'BACKGROUND'
  | 'FACE'
  | 'PRODUCT_1'
  | 'PRODUCT_2'
  | 'PRODUCT_3'
  | 'PRODUCT_4';

/** A marketplace's main-image rules (size, square, JPG/PNG, byte cap, white background, product fill). Each rule's source is in docs/listing.md. */
export type MarketplacePreset =
  | 'AMAZON'
  | 'GOOGLE_SHOPPING'
  | 'LAZADA'
  | 'SHOPEE'
  | 'TIKTOK_SHOP'
  | 'TOKOPEDIA';

export type QuoteCatalogInput = {
  itemsWithPhotos?: number | null | undefined;
  itemsWithoutPhotos?: number | null | undefined;
  /** The catalogue's defaults.mode, if you set one */
  mode?: GenerationMode | null | undefined;
};

export type QuoteInput = {
  /** Images in the batch (1–4). The price is per batch, so it does not change the quote today. */
  count?: number | null | undefined;
  mode?: GenerationMode | null | undefined;
};

export type RemakeImageInput = {
  /** GeneratedImage.id of an image whose review is FAIL */
  imageId: string | number;
};

export type RevokeApiKeyInput = {
  id: string | number;
};

export type StartCatalogInput = {
  defaults?: CatalogDefaultsInput | null | undefined;
  /** Retrying with the same key returns the same catalogue and charges once */
  idempotencyKey?: string | null | undefined;
  /** 1–50 items (or give zip) */
  items?: Array<CatalogItemInput> | null | undefined;
  /** Called once (catalog.finished) when every item has finished */
  webhookUrl?: string | null | undefined;
  /** A ZIP with catalog.csv at its root (columns sku, folder, then option columns and prompt) and a folder of photos per row */
  zip?: File | Blob | null | null | undefined;
};

export type StartVideoInput = {
  /** Seconds (default 6). A model that cannot make this length makes the nearest it can, said in a warning; one outside its range is an InvalidInputError. */
  durationSeconds?: number | null | undefined;
  /** Retrying with the same key returns the same video and charges once */
  idempotencyKey?: string | null | undefined;
  /** GeneratedImage.id of one of your finished batches */
  imageId: string | number;
  /** Your own prompt instead of A or B (within the video model's prompt limit) */
  prompt?: string | null | undefined;
  version?: VideoPromptVersion | null | undefined;
  /** Called (POST, Standard Webhooks, type video.finished) once the clip has finished. https and a public address only. */
  webhookUrl?: string | null | undefined;
};

export type StyleOptionsInput = {
  /** Aspect ratio, default 1:1: a value or label from styleCatalog (English or Indonesian). */
  aspectRatio?: string | null | undefined;
  /** Background preset; UPLOADED is implied by a backgroundImage: a value or label from styleCatalog (English or Indonesian). */
  background?: string | null | undefined;
  /** For background SOLID_COLOR: #RRGGBB or a colour name (English or Indonesian) */
  backgroundColor?: string | null | undefined;
  /** Camera angle: a value or label from styleCatalog (English or Indonesian). */
  cameraAngle?: string | null | undefined;
  /** Product category: a value or label from styleCatalog (English or Indonesian). */
  category?: string | null | undefined;
  /** MODEL (default) or PRODUCT_ONLY: a value or label from styleCatalog (English or Indonesian). */
  contentType?: string | null | undefined;
  /** A background in your own words (≤ 300 characters) */
  customBackground?: string | null | undefined;
  /** A pose in your own words; overrides pose (≤ 300 characters) */
  customPose?: string | null | undefined;
  /** Hands or feet holding/wearing the product: a value or label from styleCatalog (English or Indonesian). */
  interaction?: string | null | undefined;
  /** Lighting: a value or label from styleCatalog (English or Indonesian). */
  lighting?: string | null | undefined;
  /** Who models the product (MODEL content only): a value or label from styleCatalog (English or Indonesian). */
  modelType?: string | null | undefined;
  /** A pose valid for the content type and category: a value or label from styleCatalog (English or Indonesian). */
  pose?: string | null | undefined;
  /** Photo style: a value or label from styleCatalog (English or Indonesian). */
  style?: string | null | undefined;
};

/** Moves only forward, PENDING → EXPIRED → FAILED → PAID → REFUNDED: a late, repeated or reordered notification changes nothing. */
export type TopUpStatus =
  /** Not paid in time; no coins */
  | 'EXPIRED'
  /** Declined, cancelled or failed; no coins */
  | 'FAILED'
  /** Paid: the coins were credited, once */
  | 'PAID'
  /** Waiting for the payment (or the gateway’s decision) */
  | 'PENDING'
  /** Refunded or charged back: the coins were taken back, as far as the balance allowed */
  | 'REFUNDED';

export type VideoPromptVersion =
  /** Soft natural motion, stable camera */
  | 'A'
  /** A slow zoom onto the texture and branding */
  | 'B';

export type StudioCatalogQueryVariables = Exact<{ [key: string]: never; }>;


export type StudioCatalogQuery = { styleCatalog: { contentTypes: Array<{ value: string, label: string, labelId: string, note: string | null }>, categories: Array<{ value: string, label: string, labelId: string, note: string | null }>, modelTypes: Array<{ value: string, label: string, labelId: string, note: string | null }>, interactions: Array<{ value: string, label: string, labelId: string, note: string | null }>, backgrounds: Array<{ value: string, label: string, labelId: string, note: string | null }>, styles: Array<{ value: string, label: string, labelId: string, note: string | null }>, lightings: Array<{ value: string, label: string, labelId: string, note: string | null }>, cameraAngles: Array<{ value: string, label: string, labelId: string, note: string | null }>, aspectRatios: Array<{ value: string, label: string, labelId: string, note: string | null }>, poses: Array<{ contentType: ContentType, category: string, poses: Array<{ value: string, label: string, labelId: string, note: string | null }> }> } };

export type ChoiceFragment = { value: string, label: string, labelId: string, note: string | null };

export type StudioQuoteQueryVariables = Exact<{
  input?: QuoteInput | null | undefined;
}>;


export type StudioQuoteQuery = { quote: { coins: number, balance: number | null, affordable: boolean | null } };

export type StudioMeQueryVariables = Exact<{
  first?: number | null | undefined;
}>;


export type StudioMeQuery = { me: { id: string, coinsBalance: number, generations: { edges: Array<{ node: { id: string, status: GenerationStatus, mode: GenerationMode, count: number, cost: number, createdAt: string, images: Array<{ url: string }> } }> } } };

export type StudioHistoryItemFragment = { id: string, status: GenerationStatus, mode: GenerationMode, count: number, cost: number, createdAt: string, images: Array<{ url: string }> };

export type StudioGenerationQueryVariables = Exact<{
  id: string | number;
}>;


export type StudioGenerationQuery = { generation: { id: string, status: GenerationStatus, mode: GenerationMode, count: number, cost: number, warnings: Array<string>, error: string | null, createdAt: string, finishedAt: string | null, zipUrl: string | null, images: Array<{ id: string, url: string, width: number, height: number, contentType: string, cutoutUrl: string | null, exports: Array<{ preset: MarketplacePreset, url: string, width: number, height: number, bytes: number, contentType: string, warnings: Array<string>, compliance: Array<{ rule: string, passed: boolean, measured: string, expected: string }> }>, videoPrompts: Array<{ version: VideoPromptVersion, text: string }>, review: { verdict: ImageReviewVerdict, score: number | null, issues: Array<{ kind: ImageReviewIssueKind, detail: string }> }, videos: Array<{ id: string, status: GenerationStatus, imageId: string, version: VideoPromptVersion, url: string | null, posterUrl: string | null, durationSeconds: number, width: number | null, height: number | null, hasAudio: boolean | null, model: string, cost: number, warnings: Array<string>, error: string | null }> }> } | null };

export type StudioGenerateMutationVariables = Exact<{
  input: GenerateImagesInput;
}>;


export type StudioGenerateMutation = { result:
    | { __typename: 'BaseError', message: string }
    | { __typename: 'GenerationFailedError', message: string, refunded: boolean, generationId: string }
    | { __typename: 'InsufficientCoinsError', message: string, required: number, balance: number }
    | { __typename: 'InvalidImageError', message: string, slot: ImageSlot, reason: string }
    | { __typename: 'InvalidInputError', message: string, field: string }
    | { __typename: 'RateLimitedError', message: string, retryAfterSeconds: number }
    | { __typename: 'StartGenerationSuccess', remainingCoins: number, generation: { id: string, status: GenerationStatus } }
   };

export type StudioGenerationEventsSubscriptionVariables = Exact<{
  idempotencyKey?: string | null | undefined;
  id?: string | number | null | undefined;
}>;


export type StudioGenerationEventsSubscription = { generationEvents: { generationId: string | null, stage: GenerationStage, done: number | null, total: number | null, queuePosition: number | null, status: GenerationStatus | null } };

export type StudioGenerationFragment = { id: string, status: GenerationStatus, mode: GenerationMode, count: number, cost: number, warnings: Array<string>, error: string | null, createdAt: string, finishedAt: string | null, zipUrl: string | null, images: Array<{ id: string, url: string, width: number, height: number, contentType: string, cutoutUrl: string | null, exports: Array<{ preset: MarketplacePreset, url: string, width: number, height: number, bytes: number, contentType: string, warnings: Array<string>, compliance: Array<{ rule: string, passed: boolean, measured: string, expected: string }> }>, videoPrompts: Array<{ version: VideoPromptVersion, text: string }>, review: { verdict: ImageReviewVerdict, score: number | null, issues: Array<{ kind: ImageReviewIssueKind, detail: string }> }, videos: Array<{ id: string, status: GenerationStatus, imageId: string, version: VideoPromptVersion, url: string | null, posterUrl: string | null, durationSeconds: number, width: number | null, height: number | null, hasAudio: boolean | null, model: string, cost: number, warnings: Array<string>, error: string | null }> }> };

export type StudioExportFragment = { preset: MarketplacePreset, url: string, width: number, height: number, bytes: number, contentType: string, warnings: Array<string>, compliance: Array<{ rule: string, passed: boolean, measured: string, expected: string }> };

export type StudioExportImageMutationVariables = Exact<{
  input: ExportImageInput;
}>;


export type StudioExportImageMutation = { result:
    | { __typename: 'BaseError', message: string }
    | { __typename: 'ExportImageSuccess', job: { id: string, status: GenerationStatus, error: string | null, image: { id: string, exports: Array<{ preset: MarketplacePreset, url: string, width: number, height: number, bytes: number, contentType: string, warnings: Array<string>, compliance: Array<{ rule: string, passed: boolean, measured: string, expected: string }> }> } | null } }
    | { __typename: 'InsufficientCoinsError', message: string }
    | { __typename: 'InvalidInputError', message: string }
    | { __typename: 'RateLimitedError', message: string }
   };

export type StudioRemakeImageMutationVariables = Exact<{
  input: RemakeImageInput;
}>;


export type StudioRemakeImageMutation = { result:
    | { __typename: 'BaseError', message: string }
    | { __typename: 'InvalidInputError', message: string }
    | { __typename: 'RemakeImageSuccess', remake: { id: string, status: GenerationStatus } }
   };

export type StudioRemakeQueryVariables = Exact<{
  id: string | number;
}>;


export type StudioRemakeQuery = { remake: { id: string, status: GenerationStatus, error: string | null, generation: { id: string, status: GenerationStatus, mode: GenerationMode, count: number, cost: number, warnings: Array<string>, error: string | null, createdAt: string, finishedAt: string | null, zipUrl: string | null, images: Array<{ id: string, url: string, width: number, height: number, contentType: string, cutoutUrl: string | null, exports: Array<{ preset: MarketplacePreset, url: string, width: number, height: number, bytes: number, contentType: string, warnings: Array<string>, compliance: Array<{ rule: string, passed: boolean, measured: string, expected: string }> }>, videoPrompts: Array<{ version: VideoPromptVersion, text: string }>, review: { verdict: ImageReviewVerdict, score: number | null, issues: Array<{ kind: ImageReviewIssueKind, detail: string }> }, videos: Array<{ id: string, status: GenerationStatus, imageId: string, version: VideoPromptVersion, url: string | null, posterUrl: string | null, durationSeconds: number, width: number | null, height: number | null, hasAudio: boolean | null, model: string, cost: number, warnings: Array<string>, error: string | null }> }> } | null } | null };

export type StudioCoinsQueryVariables = Exact<{
  first?: number | null | undefined;
}>;


export type StudioCoinsQuery = { topUpPackages: Array<{ name: string, coins: number, price: number, currency: string }>, me: { topUps: { edges: Array<{ node: { id: string, package: string, status: TopUpStatus, coins: number, price: number, currency: string, redirectUrl: string | null, createdAt: string, paidAt: string | null } }> }, apiKeys: Array<{ id: string, name: string, prefix: string, createdAt: string, lastUsedAt: string | null }> } };

export type StudioBuyMutationVariables = Exact<{
  input: CreateTopUpInput;
}>;


export type StudioBuyMutation = { result:
    | { __typename: 'BaseError', message: string }
    | { __typename: 'CreateTopUpSuccess', paymentToken: string, topUp: { id: string, package: string, status: TopUpStatus, coins: number, price: number, currency: string, redirectUrl: string | null, createdAt: string, paidAt: string | null } }
    | { __typename: 'InvalidInputError', message: string }
    | { __typename: 'PaymentUnavailableError', message: string }
    | { __typename: 'RateLimitedError', message: string }
   };

export type StudioCreateApiKeyMutationVariables = Exact<{
  input: CreateApiKeyInput;
}>;


export type StudioCreateApiKeyMutation = { result:
    | { __typename: 'BaseError', message: string }
    | { __typename: 'CreateApiKeySuccess', secret: string, apiKey: { id: string, name: string, prefix: string, createdAt: string, lastUsedAt: string | null } }
    | { __typename: 'InvalidInputError', message: string }
    | { __typename: 'NotAllowedError', message: string }
   };

export type StudioRevokeApiKeyMutationVariables = Exact<{
  input: RevokeApiKeyInput;
}>;


export type StudioRevokeApiKeyMutation = { result:
    | { __typename: 'BaseError', message: string }
    | { __typename: 'InvalidInputError', message: string }
    | { __typename: 'NotAllowedError', message: string }
    | { __typename: 'RevokeApiKeySuccess', apiKey: { id: string } }
   };

export type StudioTopUpFragment = { id: string, package: string, status: TopUpStatus, coins: number, price: number, currency: string, redirectUrl: string | null, createdAt: string, paidAt: string | null };

export type StudioApiKeyFragment = { id: string, name: string, prefix: string, createdAt: string, lastUsedAt: string | null };

export type StudioVideoFragment = { id: string, status: GenerationStatus, imageId: string, version: VideoPromptVersion, url: string | null, posterUrl: string | null, durationSeconds: number, width: number | null, height: number | null, hasAudio: boolean | null, model: string, cost: number, warnings: Array<string>, error: string | null };

export type StudioVideoQuoteQueryVariables = Exact<{
  durationSeconds?: number | null | undefined;
}>;


export type StudioVideoQuoteQuery = { videoQuote: { coins: number, durationSeconds: number, model: string } };

export type StudioStartVideoMutationVariables = Exact<{
  input: StartVideoInput;
}>;


export type StudioStartVideoMutation = { result:
    | { __typename: 'BaseError', message: string }
    | { __typename: 'InsufficientCoinsError', message: string, required: number, balance: number }
    | { __typename: 'InvalidInputError', message: string, field: string }
    | { __typename: 'RateLimitedError', message: string, retryAfterSeconds: number }
    | { __typename: 'StartVideoSuccess', remainingCoins: number, video: { id: string, status: GenerationStatus, imageId: string, version: VideoPromptVersion, url: string | null, posterUrl: string | null, durationSeconds: number, width: number | null, height: number | null, hasAudio: boolean | null, model: string, cost: number, warnings: Array<string>, error: string | null } }
   };

export type StudioVideoQueryVariables = Exact<{
  id: string | number;
}>;


export type StudioVideoQuery = { video: { id: string, status: GenerationStatus, imageId: string, version: VideoPromptVersion, url: string | null, posterUrl: string | null, durationSeconds: number, width: number | null, height: number | null, hasAudio: boolean | null, model: string, cost: number, warnings: Array<string>, error: string | null } | null };

export type StudioQuoteCatalogQueryVariables = Exact<{
  input: QuoteCatalogInput;
}>;


export type StudioQuoteCatalogQuery = { quoteCatalog:
    | { __typename: 'CatalogQuote', coins: number, balance: number | null, affordable: boolean | null }
    | { __typename: 'InvalidInputError', message: string }
   };

export type StudioStartCatalogMutationVariables = Exact<{
  input: StartCatalogInput;
}>;


export type StudioStartCatalogMutation = { result:
    | { __typename: 'BaseError', message: string }
    | { __typename: 'CatalogItemError', row: number, sku: string | null, reason: string, message: string }
    | { __typename: 'InsufficientCoinsError', required: number, balance: number, message: string }
    | { __typename: 'InvalidInputError', field: string, message: string }
    | { __typename: 'RateLimitedError', retryAfterSeconds: number, message: string }
    | { __typename: 'StartCatalogSuccess', remainingCoins: number, catalog: { id: string, status: CatalogStatus, cost: number, refunded: number, zipUrl: string | null, finishedAt: string | null, progress: { done: number, failed: number, total: number }, items: Array<{ sku: string, generation: { id: string, status: GenerationStatus, error: string | null } }> } }
   };

export type StudioCatalogueQueryVariables = Exact<{
  id: string | number;
}>;


export type StudioCatalogueQuery = { catalog: { id: string, status: CatalogStatus, cost: number, refunded: number, zipUrl: string | null, finishedAt: string | null, progress: { done: number, failed: number, total: number }, items: Array<{ sku: string, generation: { id: string, status: GenerationStatus, error: string | null } }> } | null };

export type StudioCancelCatalogMutationVariables = Exact<{
  input: CancelCatalogInput;
}>;


export type StudioCancelCatalogMutation = { result:
    | { __typename: 'BaseError', message: string }
    | { __typename: 'CancelCatalogSuccess', remainingCoins: number, catalog: { id: string, status: CatalogStatus, cost: number, refunded: number, zipUrl: string | null, finishedAt: string | null, progress: { done: number, failed: number, total: number }, items: Array<{ sku: string, generation: { id: string, status: GenerationStatus, error: string | null } }> } }
    | { __typename: 'InvalidInputError', message: string }
   };

export type StudioCatalogueFragment = { id: string, status: CatalogStatus, cost: number, refunded: number, zipUrl: string | null, finishedAt: string | null, progress: { done: number, failed: number, total: number }, items: Array<{ sku: string, generation: { id: string, status: GenerationStatus, error: string | null } }> };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const ChoiceFragmentDoc = new TypedDocumentString(`
    fragment Choice on StyleOption {
  value
  label
  labelId
  note
}
    `, {"fragmentName":"Choice"}) as unknown as TypedDocumentString<ChoiceFragment, unknown>;
export const StudioHistoryItemFragmentDoc = new TypedDocumentString(`
    fragment StudioHistoryItem on Generation {
  id
  status
  mode
  count
  cost
  createdAt
  images {
    url
  }
}
    `, {"fragmentName":"StudioHistoryItem"}) as unknown as TypedDocumentString<StudioHistoryItemFragment, unknown>;
export const StudioExportFragmentDoc = new TypedDocumentString(`
    fragment StudioExport on ImageExport {
  preset
  url
  width
  height
  bytes
  contentType
  warnings
  compliance {
    rule
    passed
    measured
    expected
  }
}
    `, {"fragmentName":"StudioExport"}) as unknown as TypedDocumentString<StudioExportFragment, unknown>;
export const StudioVideoFragmentDoc = new TypedDocumentString(`
    fragment StudioVideo on Video {
  id
  status
  imageId
  version
  url
  posterUrl
  durationSeconds
  width
  height
  hasAudio
  model
  cost
  warnings
  error
}
    `, {"fragmentName":"StudioVideo"}) as unknown as TypedDocumentString<StudioVideoFragment, unknown>;
export const StudioGenerationFragmentDoc = new TypedDocumentString(`
    fragment StudioGeneration on Generation {
  id
  status
  mode
  count
  cost
  warnings
  error
  createdAt
  finishedAt
  zipUrl
  images {
    id
    url
    width
    height
    contentType
    cutoutUrl
    exports {
      ...StudioExport
    }
    videoPrompts {
      version
      text
    }
    review {
      verdict
      score
      issues {
        kind
        detail
      }
    }
    videos {
      ...StudioVideo
    }
  }
}
    fragment StudioExport on ImageExport {
  preset
  url
  width
  height
  bytes
  contentType
  warnings
  compliance {
    rule
    passed
    measured
    expected
  }
}
fragment StudioVideo on Video {
  id
  status
  imageId
  version
  url
  posterUrl
  durationSeconds
  width
  height
  hasAudio
  model
  cost
  warnings
  error
}`, {"fragmentName":"StudioGeneration"}) as unknown as TypedDocumentString<StudioGenerationFragment, unknown>;
export const StudioTopUpFragmentDoc = new TypedDocumentString(`
    fragment StudioTopUp on TopUp {
  id
  package
  status
  coins
  price
  currency
  redirectUrl
  createdAt
  paidAt
}
    `, {"fragmentName":"StudioTopUp"}) as unknown as TypedDocumentString<StudioTopUpFragment, unknown>;
export const StudioApiKeyFragmentDoc = new TypedDocumentString(`
    fragment StudioApiKey on ApiKey {
  id
  name
  prefix
  createdAt
  lastUsedAt
}
    `, {"fragmentName":"StudioApiKey"}) as unknown as TypedDocumentString<StudioApiKeyFragment, unknown>;
export const StudioCatalogueFragmentDoc = new TypedDocumentString(`
    fragment StudioCatalogue on Catalog {
  id
  status
  cost
  refunded
  zipUrl
  finishedAt
  progress {
    done
    failed
    total
  }
  items {
    sku
    generation {
      id
      status
      error
    }
  }
}
    `, {"fragmentName":"StudioCatalogue"}) as unknown as TypedDocumentString<StudioCatalogueFragment, unknown>;
export const StudioCatalogDocument = new TypedDocumentString(`
    query StudioCatalog {
  styleCatalog {
    contentTypes {
      ...Choice
    }
    categories {
      ...Choice
    }
    modelTypes {
      ...Choice
    }
    interactions {
      ...Choice
    }
    backgrounds {
      ...Choice
    }
    styles {
      ...Choice
    }
    lightings {
      ...Choice
    }
    cameraAngles {
      ...Choice
    }
    aspectRatios {
      ...Choice
    }
    poses {
      contentType
      category
      poses {
        ...Choice
      }
    }
  }
}
    fragment Choice on StyleOption {
  value
  label
  labelId
  note
}`) as unknown as TypedDocumentString<StudioCatalogQuery, StudioCatalogQueryVariables>;
export const StudioQuoteDocument = new TypedDocumentString(`
    query StudioQuote($input: QuoteInput) {
  quote(input: $input) {
    coins
    balance
    affordable
  }
}
    `) as unknown as TypedDocumentString<StudioQuoteQuery, StudioQuoteQueryVariables>;
export const StudioMeDocument = new TypedDocumentString(`
    query StudioMe($first: Int = 10) {
  me {
    id
    coinsBalance
    generations(first: $first) {
      edges {
        node {
          ...StudioHistoryItem
        }
      }
    }
  }
}
    fragment StudioHistoryItem on Generation {
  id
  status
  mode
  count
  cost
  createdAt
  images {
    url
  }
}`) as unknown as TypedDocumentString<StudioMeQuery, StudioMeQueryVariables>;
export const StudioGenerationDocument = new TypedDocumentString(`
    query StudioGeneration($id: ID!) {
  generation(id: $id) {
    ...StudioGeneration
  }
}
    fragment StudioGeneration on Generation {
  id
  status
  mode
  count
  cost
  warnings
  error
  createdAt
  finishedAt
  zipUrl
  images {
    id
    url
    width
    height
    contentType
    cutoutUrl
    exports {
      ...StudioExport
    }
    videoPrompts {
      version
      text
    }
    review {
      verdict
      score
      issues {
        kind
        detail
      }
    }
    videos {
      ...StudioVideo
    }
  }
}
fragment StudioExport on ImageExport {
  preset
  url
  width
  height
  bytes
  contentType
  warnings
  compliance {
    rule
    passed
    measured
    expected
  }
}
fragment StudioVideo on Video {
  id
  status
  imageId
  version
  url
  posterUrl
  durationSeconds
  width
  height
  hasAudio
  model
  cost
  warnings
  error
}`) as unknown as TypedDocumentString<StudioGenerationQuery, StudioGenerationQueryVariables>;
export const StudioGenerateDocument = new TypedDocumentString(`
    mutation StudioGenerate($input: GenerateImagesInput!) {
  result: startGeneration(input: $input) {
    __typename
    ... on Error {
      message
    }
    ... on InsufficientCoinsError {
      required
      balance
    }
    ... on InvalidImageError {
      slot
      reason
    }
    ... on InvalidInputError {
      field
    }
    ... on GenerationFailedError {
      refunded
      generationId
    }
    ... on RateLimitedError {
      retryAfterSeconds
    }
    ... on StartGenerationSuccess {
      remainingCoins
      generation {
        id
        status
      }
    }
  }
}
    `) as unknown as TypedDocumentString<StudioGenerateMutation, StudioGenerateMutationVariables>;
export const StudioGenerationEventsDocument = new TypedDocumentString(`
    subscription StudioGenerationEvents($idempotencyKey: String, $id: ID) {
  generationEvents(idempotencyKey: $idempotencyKey, id: $id) {
    generationId
    stage
    done
    total
    queuePosition
    status
  }
}
    `) as unknown as TypedDocumentString<StudioGenerationEventsSubscription, StudioGenerationEventsSubscriptionVariables>;
export const StudioExportImageDocument = new TypedDocumentString(`
    mutation StudioExportImage($input: ExportImageInput!) {
  result: exportImage(input: $input) {
    __typename
    ... on Error {
      message
    }
    ... on ExportImageSuccess {
      job {
        id
        status
        error
        image {
          id
          exports {
            ...StudioExport
          }
        }
      }
    }
  }
}
    fragment StudioExport on ImageExport {
  preset
  url
  width
  height
  bytes
  contentType
  warnings
  compliance {
    rule
    passed
    measured
    expected
  }
}`) as unknown as TypedDocumentString<StudioExportImageMutation, StudioExportImageMutationVariables>;
export const StudioRemakeImageDocument = new TypedDocumentString(`
    mutation StudioRemakeImage($input: RemakeImageInput!) {
  result: remakeImage(input: $input) {
    __typename
    ... on RemakeImageSuccess {
      remake {
        id
        status
      }
    }
    ... on Error {
      message
    }
  }
}
    `) as unknown as TypedDocumentString<StudioRemakeImageMutation, StudioRemakeImageMutationVariables>;
export const StudioRemakeDocument = new TypedDocumentString(`
    query StudioRemake($id: ID!) {
  remake(id: $id) {
    id
    status
    error
    generation {
      ...StudioGeneration
    }
  }
}
    fragment StudioGeneration on Generation {
  id
  status
  mode
  count
  cost
  warnings
  error
  createdAt
  finishedAt
  zipUrl
  images {
    id
    url
    width
    height
    contentType
    cutoutUrl
    exports {
      ...StudioExport
    }
    videoPrompts {
      version
      text
    }
    review {
      verdict
      score
      issues {
        kind
        detail
      }
    }
    videos {
      ...StudioVideo
    }
  }
}
fragment StudioExport on ImageExport {
  preset
  url
  width
  height
  bytes
  contentType
  warnings
  compliance {
    rule
    passed
    measured
    expected
  }
}
fragment StudioVideo on Video {
  id
  status
  imageId
  version
  url
  posterUrl
  durationSeconds
  width
  height
  hasAudio
  model
  cost
  warnings
  error
}`) as unknown as TypedDocumentString<StudioRemakeQuery, StudioRemakeQueryVariables>;
export const StudioCoinsDocument = new TypedDocumentString(`
    query StudioCoins($first: Int = 10) {
  topUpPackages {
    name
    coins
    price
    currency
  }
  me {
    topUps(first: $first) {
      edges {
        node {
          ...StudioTopUp
        }
      }
    }
    apiKeys {
      ...StudioApiKey
    }
  }
}
    fragment StudioTopUp on TopUp {
  id
  package
  status
  coins
  price
  currency
  redirectUrl
  createdAt
  paidAt
}
fragment StudioApiKey on ApiKey {
  id
  name
  prefix
  createdAt
  lastUsedAt
}`) as unknown as TypedDocumentString<StudioCoinsQuery, StudioCoinsQueryVariables>;
export const StudioBuyDocument = new TypedDocumentString(`
    mutation StudioBuy($input: CreateTopUpInput!) {
  result: createTopUp(input: $input) {
    __typename
    ... on Error {
      message
    }
    ... on CreateTopUpSuccess {
      paymentToken
      topUp {
        ...StudioTopUp
      }
    }
  }
}
    fragment StudioTopUp on TopUp {
  id
  package
  status
  coins
  price
  currency
  redirectUrl
  createdAt
  paidAt
}`) as unknown as TypedDocumentString<StudioBuyMutation, StudioBuyMutationVariables>;
export const StudioCreateApiKeyDocument = new TypedDocumentString(`
    mutation StudioCreateApiKey($input: CreateApiKeyInput!) {
  result: createApiKey(input: $input) {
    __typename
    ... on Error {
      message
    }
    ... on CreateApiKeySuccess {
      secret
      apiKey {
        ...StudioApiKey
      }
    }
  }
}
    fragment StudioApiKey on ApiKey {
  id
  name
  prefix
  createdAt
  lastUsedAt
}`) as unknown as TypedDocumentString<StudioCreateApiKeyMutation, StudioCreateApiKeyMutationVariables>;
export const StudioRevokeApiKeyDocument = new TypedDocumentString(`
    mutation StudioRevokeApiKey($input: RevokeApiKeyInput!) {
  result: revokeApiKey(input: $input) {
    __typename
    ... on Error {
      message
    }
    ... on RevokeApiKeySuccess {
      apiKey {
        id
      }
    }
  }
}
    `) as unknown as TypedDocumentString<StudioRevokeApiKeyMutation, StudioRevokeApiKeyMutationVariables>;
export const StudioVideoQuoteDocument = new TypedDocumentString(`
    query StudioVideoQuote($durationSeconds: Int) {
  videoQuote(durationSeconds: $durationSeconds) {
    coins
    durationSeconds
    model
  }
}
    `) as unknown as TypedDocumentString<StudioVideoQuoteQuery, StudioVideoQuoteQueryVariables>;
export const StudioStartVideoDocument = new TypedDocumentString(`
    mutation StudioStartVideo($input: StartVideoInput!) {
  result: startVideo(input: $input) {
    __typename
    ... on Error {
      message
    }
    ... on InsufficientCoinsError {
      required
      balance
    }
    ... on InvalidInputError {
      field
    }
    ... on RateLimitedError {
      retryAfterSeconds
    }
    ... on StartVideoSuccess {
      remainingCoins
      video {
        ...StudioVideo
      }
    }
  }
}
    fragment StudioVideo on Video {
  id
  status
  imageId
  version
  url
  posterUrl
  durationSeconds
  width
  height
  hasAudio
  model
  cost
  warnings
  error
}`) as unknown as TypedDocumentString<StudioStartVideoMutation, StudioStartVideoMutationVariables>;
export const StudioVideoDocument = new TypedDocumentString(`
    query StudioVideo($id: ID!) {
  video(id: $id) {
    ...StudioVideo
  }
}
    fragment StudioVideo on Video {
  id
  status
  imageId
  version
  url
  posterUrl
  durationSeconds
  width
  height
  hasAudio
  model
  cost
  warnings
  error
}`) as unknown as TypedDocumentString<StudioVideoQuery, StudioVideoQueryVariables>;
export const StudioQuoteCatalogDocument = new TypedDocumentString(`
    query StudioQuoteCatalog($input: QuoteCatalogInput!) {
  quoteCatalog(input: $input) {
    __typename
    ... on CatalogQuote {
      coins
      balance
      affordable
    }
    ... on Error {
      message
    }
  }
}
    `) as unknown as TypedDocumentString<StudioQuoteCatalogQuery, StudioQuoteCatalogQueryVariables>;
export const StudioStartCatalogDocument = new TypedDocumentString(`
    mutation StudioStartCatalog($input: StartCatalogInput!) {
  result: startCatalog(input: $input) {
    __typename
    ... on StartCatalogSuccess {
      remainingCoins
      catalog {
        ...StudioCatalogue
      }
    }
    ... on CatalogItemError {
      row
      sku
      reason
    }
    ... on InvalidInputError {
      field
    }
    ... on InsufficientCoinsError {
      required
      balance
    }
    ... on RateLimitedError {
      retryAfterSeconds
    }
    ... on Error {
      message
    }
  }
}
    fragment StudioCatalogue on Catalog {
  id
  status
  cost
  refunded
  zipUrl
  finishedAt
  progress {
    done
    failed
    total
  }
  items {
    sku
    generation {
      id
      status
      error
    }
  }
}`) as unknown as TypedDocumentString<StudioStartCatalogMutation, StudioStartCatalogMutationVariables>;
export const StudioCatalogueDocument = new TypedDocumentString(`
    query StudioCatalogue($id: ID!) {
  catalog(id: $id) {
    ...StudioCatalogue
  }
}
    fragment StudioCatalogue on Catalog {
  id
  status
  cost
  refunded
  zipUrl
  finishedAt
  progress {
    done
    failed
    total
  }
  items {
    sku
    generation {
      id
      status
      error
    }
  }
}`) as unknown as TypedDocumentString<StudioCatalogueQuery, StudioCatalogueQueryVariables>;
export const StudioCancelCatalogDocument = new TypedDocumentString(`
    mutation StudioCancelCatalog($input: CancelCatalogInput!) {
  result: cancelCatalog(input: $input) {
    __typename
    ... on CancelCatalogSuccess {
      remainingCoins
      catalog {
        ...StudioCatalogue
      }
    }
    ... on Error {
      message
    }
  }
}
    fragment StudioCatalogue on Catalog {
  id
  status
  cost
  refunded
  zipUrl
  finishedAt
  progress {
    done
    failed
    total
  }
  items {
    sku
    generation {
      id
      status
      error
    }
  }
}`) as unknown as TypedDocumentString<StudioCancelCatalogMutation, StudioCancelCatalogMutationVariables>;