/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type ContentType =
  | 'MODEL'
  | 'PRODUCT_ONLY';

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

export type GenerationStatus =
  | 'CANCELED'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

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

export type QuoteInput = {
  /** Images in the batch (1–4). The price is per batch, so it does not change the quote today. */
  count?: number | null | undefined;
  mode?: GenerationMode | null | undefined;
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

export type VideoPromptVersion =
  /** Soft natural motion, stable camera */
  | 'A'
  /** A slow zoom onto the texture and branding */
  | 'B';

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, coinsBalance: number } };

export type StyleCatalogQueryVariables = Exact<{ [key: string]: never; }>;


export type StyleCatalogQuery = { styleCatalog: { contentTypes: Array<{ value: string, label: string, labelId: string }>, categories: Array<{ value: string, label: string, labelId: string }>, modelTypes: Array<{ value: string, label: string, labelId: string }>, interactions: Array<{ value: string, label: string, labelId: string }>, backgrounds: Array<{ value: string, label: string, labelId: string, note: string | null }>, styles: Array<{ value: string, label: string }>, lightings: Array<{ value: string, label: string }>, cameraAngles: Array<{ value: string, label: string }>, aspectRatios: Array<{ value: string, label: string }>, poses: Array<{ contentType: ContentType, category: string, poses: Array<{ value: string, label: string }> }> } };

export type QuoteQueryVariables = Exact<{
  input?: QuoteInput | null | undefined;
}>;


export type QuoteQuery = { quote: { coins: number, balance: number | null, affordable: boolean | null } };

export type GenerationByIdQueryVariables = Exact<{
  id: string | number;
}>;


export type GenerationByIdQuery = { generation: { id: string, status: GenerationStatus, mode: GenerationMode, count: number, cost: number, enhancedPrompt: string | null, warnings: Array<string>, error: string | null, createdAt: string, finishedAt: string | null, descriptions: Array<{ slot: ImageSlot, text: string }>, images: Array<{ url: string, width: number, height: number, contentType: string, videoPrompts: Array<{ version: VideoPromptVersion, text: string }> }> } | null };

export type GenerateImagesMutationVariables = Exact<{
  input: GenerateImagesInput;
}>;


export type GenerateImagesMutation = { generateImages:
    | { __typename: 'BaseError', message: string }
    | { __typename: 'GenerateImagesSuccess', remainingCoins: number, generation: { id: string, status: GenerationStatus, mode: GenerationMode, count: number, cost: number, enhancedPrompt: string | null, warnings: Array<string>, error: string | null, createdAt: string, finishedAt: string | null, descriptions: Array<{ slot: ImageSlot, text: string }>, images: Array<{ url: string, width: number, height: number, contentType: string, videoPrompts: Array<{ version: VideoPromptVersion, text: string }> }> } }
    | { __typename: 'GenerationFailedError', message: string, refunded: boolean, generationId: string }
    | { __typename: 'InsufficientCoinsError', message: string, required: number, balance: number }
    | { __typename: 'InvalidImageError', message: string, slot: ImageSlot, reason: string }
    | { __typename: 'InvalidInputError', message: string, field: string }
    | { __typename: 'RateLimitedError', message: string }
   };

export type GenerationFieldsFragment = { id: string, status: GenerationStatus, mode: GenerationMode, count: number, cost: number, enhancedPrompt: string | null, warnings: Array<string>, error: string | null, createdAt: string, finishedAt: string | null, descriptions: Array<{ slot: ImageSlot, text: string }>, images: Array<{ url: string, width: number, height: number, contentType: string, videoPrompts: Array<{ version: VideoPromptVersion, text: string }> }> };

export type StartGenerationMutationVariables = Exact<{
  input: GenerateImagesInput;
}>;


export type StartGenerationMutation = { startGeneration:
    | { __typename: 'BaseError', message: string }
    | { __typename: 'GenerationFailedError', message: string }
    | { __typename: 'InsufficientCoinsError', message: string, required: number, balance: number }
    | { __typename: 'InvalidImageError', message: string, slot: ImageSlot, reason: string }
    | { __typename: 'InvalidInputError', message: string, field: string }
    | { __typename: 'RateLimitedError', message: string }
    | { __typename: 'StartGenerationSuccess', remainingCoins: number, generation: { id: string, status: GenerationStatus } }
   };

export type HistoryQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type HistoryQuery = { me: { id: string, generations: { edges: Array<{ cursor: string, node: { id: string, status: GenerationStatus, createdAt: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } } };

export const GenerationFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"GenerationFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Generation"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"mode"}},{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"cost"}},{"kind":"Field","name":{"kind":"Name","value":"enhancedPrompt"}},{"kind":"Field","name":{"kind":"Name","value":"warnings"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"descriptions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"slot"}},{"kind":"Field","name":{"kind":"Name","value":"text"}}]}},{"kind":"Field","name":{"kind":"Name","value":"images"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"width"}},{"kind":"Field","name":{"kind":"Name","value":"height"}},{"kind":"Field","name":{"kind":"Name","value":"contentType"}},{"kind":"Field","name":{"kind":"Name","value":"videoPrompts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"text"}}]}}]}}]}}]} as unknown as DocumentNode<GenerationFieldsFragment, unknown>;
export const MeDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"coinsBalance"}}]}}]}}]} as unknown as DocumentNode<MeQuery, MeQueryVariables>;
export const StyleCatalogDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"StyleCatalog"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"styleCatalog"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"contentTypes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"label"}},{"kind":"Field","name":{"kind":"Name","value":"labelId"}}]}},{"kind":"Field","name":{"kind":"Name","value":"categories"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"label"}},{"kind":"Field","name":{"kind":"Name","value":"labelId"}}]}},{"kind":"Field","name":{"kind":"Name","value":"modelTypes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"label"}},{"kind":"Field","name":{"kind":"Name","value":"labelId"}}]}},{"kind":"Field","name":{"kind":"Name","value":"interactions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"label"}},{"kind":"Field","name":{"kind":"Name","value":"labelId"}}]}},{"kind":"Field","name":{"kind":"Name","value":"backgrounds"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"label"}},{"kind":"Field","name":{"kind":"Name","value":"labelId"}},{"kind":"Field","name":{"kind":"Name","value":"note"}}]}},{"kind":"Field","name":{"kind":"Name","value":"styles"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"label"}}]}},{"kind":"Field","name":{"kind":"Name","value":"lightings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"label"}}]}},{"kind":"Field","name":{"kind":"Name","value":"cameraAngles"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"label"}}]}},{"kind":"Field","name":{"kind":"Name","value":"aspectRatios"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"label"}}]}},{"kind":"Field","name":{"kind":"Name","value":"poses"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"contentType"}},{"kind":"Field","name":{"kind":"Name","value":"category"}},{"kind":"Field","name":{"kind":"Name","value":"poses"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"label"}}]}}]}}]}}]}}]} as unknown as DocumentNode<StyleCatalogQuery, StyleCatalogQueryVariables>;
export const QuoteDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Quote"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"QuoteInput"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"quote"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"coins"}},{"kind":"Field","name":{"kind":"Name","value":"balance"}},{"kind":"Field","name":{"kind":"Name","value":"affordable"}}]}}]}}]} as unknown as DocumentNode<QuoteQuery, QuoteQueryVariables>;
export const GenerationByIdDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"GenerationById"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"generation"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GenerationFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"GenerationFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Generation"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"mode"}},{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"cost"}},{"kind":"Field","name":{"kind":"Name","value":"enhancedPrompt"}},{"kind":"Field","name":{"kind":"Name","value":"warnings"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"descriptions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"slot"}},{"kind":"Field","name":{"kind":"Name","value":"text"}}]}},{"kind":"Field","name":{"kind":"Name","value":"images"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"width"}},{"kind":"Field","name":{"kind":"Name","value":"height"}},{"kind":"Field","name":{"kind":"Name","value":"contentType"}},{"kind":"Field","name":{"kind":"Name","value":"videoPrompts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"text"}}]}}]}}]}}]} as unknown as DocumentNode<GenerationByIdQuery, GenerationByIdQueryVariables>;
export const GenerateImagesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"GenerateImages"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"GenerateImagesInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"generateImages"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"InsufficientCoinsError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"required"}},{"kind":"Field","name":{"kind":"Name","value":"balance"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"InvalidImageError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"slot"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"InvalidInputError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"GenerationFailedError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"refunded"}},{"kind":"Field","name":{"kind":"Name","value":"generationId"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"GenerateImagesSuccess"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"remainingCoins"}},{"kind":"Field","name":{"kind":"Name","value":"generation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GenerationFields"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"GenerationFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Generation"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"mode"}},{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"cost"}},{"kind":"Field","name":{"kind":"Name","value":"enhancedPrompt"}},{"kind":"Field","name":{"kind":"Name","value":"warnings"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"descriptions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"slot"}},{"kind":"Field","name":{"kind":"Name","value":"text"}}]}},{"kind":"Field","name":{"kind":"Name","value":"images"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"width"}},{"kind":"Field","name":{"kind":"Name","value":"height"}},{"kind":"Field","name":{"kind":"Name","value":"contentType"}},{"kind":"Field","name":{"kind":"Name","value":"videoPrompts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"text"}}]}}]}}]}}]} as unknown as DocumentNode<GenerateImagesMutation, GenerateImagesMutationVariables>;
export const StartGenerationDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"StartGeneration"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"GenerateImagesInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"startGeneration"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"InsufficientCoinsError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"required"}},{"kind":"Field","name":{"kind":"Name","value":"balance"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"InvalidImageError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"slot"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"InvalidInputError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"StartGenerationSuccess"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"remainingCoins"}},{"kind":"Field","name":{"kind":"Name","value":"generation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}}]}}]}}]} as unknown as DocumentNode<StartGenerationMutation, StartGenerationMutationVariables>;
export const HistoryDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"History"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"generations"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]}}]} as unknown as DocumentNode<HistoryQuery, HistoryQueryVariables>;