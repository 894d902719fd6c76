/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query Me {\n  me {\n    id\n    coinsBalance\n  }\n}\n\nquery StyleCatalog {\n  styleCatalog {\n    contentTypes {\n      value\n      label\n      labelId\n    }\n    categories {\n      value\n      label\n      labelId\n    }\n    modelTypes {\n      value\n      label\n      labelId\n    }\n    interactions {\n      value\n      label\n      labelId\n    }\n    backgrounds {\n      value\n      label\n      labelId\n      note\n    }\n    styles {\n      value\n      label\n    }\n    lightings {\n      value\n      label\n    }\n    cameraAngles {\n      value\n      label\n    }\n    aspectRatios {\n      value\n      label\n    }\n    poses {\n      contentType\n      category\n      poses {\n        value\n        label\n      }\n    }\n  }\n}\n\nquery Quote($input: QuoteInput) {\n  quote(input: $input) {\n    coins\n    balance\n    affordable\n  }\n}\n\nquery GenerationById($id: ID!) {\n  generation(id: $id) {\n    ...GenerationFields\n  }\n}\n\nmutation GenerateImages($input: GenerateImagesInput!) {\n  generateImages(input: $input) {\n    __typename\n    ... on Error {\n      message\n    }\n    ... on InsufficientCoinsError {\n      required\n      balance\n    }\n    ... on InvalidImageError {\n      slot\n      reason\n    }\n    ... on InvalidInputError {\n      field\n    }\n    ... on GenerationFailedError {\n      refunded\n      generationId\n    }\n    ... on GenerateImagesSuccess {\n      remainingCoins\n      generation {\n        ...GenerationFields\n      }\n    }\n  }\n}\n\nfragment GenerationFields on Generation {\n  id\n  status\n  mode\n  count\n  cost\n  enhancedPrompt\n  warnings\n  error\n  createdAt\n  finishedAt\n  descriptions {\n    slot\n    text\n  }\n  images {\n    url\n    width\n    height\n    contentType\n    videoPrompts {\n      version\n      text\n    }\n  }\n}": typeof types.MeDocument,
};
const documents: Documents = {
    "query Me {\n  me {\n    id\n    coinsBalance\n  }\n}\n\nquery StyleCatalog {\n  styleCatalog {\n    contentTypes {\n      value\n      label\n      labelId\n    }\n    categories {\n      value\n      label\n      labelId\n    }\n    modelTypes {\n      value\n      label\n      labelId\n    }\n    interactions {\n      value\n      label\n      labelId\n    }\n    backgrounds {\n      value\n      label\n      labelId\n      note\n    }\n    styles {\n      value\n      label\n    }\n    lightings {\n      value\n      label\n    }\n    cameraAngles {\n      value\n      label\n    }\n    aspectRatios {\n      value\n      label\n    }\n    poses {\n      contentType\n      category\n      poses {\n        value\n        label\n      }\n    }\n  }\n}\n\nquery Quote($input: QuoteInput) {\n  quote(input: $input) {\n    coins\n    balance\n    affordable\n  }\n}\n\nquery GenerationById($id: ID!) {\n  generation(id: $id) {\n    ...GenerationFields\n  }\n}\n\nmutation GenerateImages($input: GenerateImagesInput!) {\n  generateImages(input: $input) {\n    __typename\n    ... on Error {\n      message\n    }\n    ... on InsufficientCoinsError {\n      required\n      balance\n    }\n    ... on InvalidImageError {\n      slot\n      reason\n    }\n    ... on InvalidInputError {\n      field\n    }\n    ... on GenerationFailedError {\n      refunded\n      generationId\n    }\n    ... on GenerateImagesSuccess {\n      remainingCoins\n      generation {\n        ...GenerationFields\n      }\n    }\n  }\n}\n\nfragment GenerationFields on Generation {\n  id\n  status\n  mode\n  count\n  cost\n  enhancedPrompt\n  warnings\n  error\n  createdAt\n  finishedAt\n  descriptions {\n    slot\n    text\n  }\n  images {\n    url\n    width\n    height\n    contentType\n    videoPrompts {\n      version\n      text\n    }\n  }\n}": types.MeDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Me {\n  me {\n    id\n    coinsBalance\n  }\n}\n\nquery StyleCatalog {\n  styleCatalog {\n    contentTypes {\n      value\n      label\n      labelId\n    }\n    categories {\n      value\n      label\n      labelId\n    }\n    modelTypes {\n      value\n      label\n      labelId\n    }\n    interactions {\n      value\n      label\n      labelId\n    }\n    backgrounds {\n      value\n      label\n      labelId\n      note\n    }\n    styles {\n      value\n      label\n    }\n    lightings {\n      value\n      label\n    }\n    cameraAngles {\n      value\n      label\n    }\n    aspectRatios {\n      value\n      label\n    }\n    poses {\n      contentType\n      category\n      poses {\n        value\n        label\n      }\n    }\n  }\n}\n\nquery Quote($input: QuoteInput) {\n  quote(input: $input) {\n    coins\n    balance\n    affordable\n  }\n}\n\nquery GenerationById($id: ID!) {\n  generation(id: $id) {\n    ...GenerationFields\n  }\n}\n\nmutation GenerateImages($input: GenerateImagesInput!) {\n  generateImages(input: $input) {\n    __typename\n    ... on Error {\n      message\n    }\n    ... on InsufficientCoinsError {\n      required\n      balance\n    }\n    ... on InvalidImageError {\n      slot\n      reason\n    }\n    ... on InvalidInputError {\n      field\n    }\n    ... on GenerationFailedError {\n      refunded\n      generationId\n    }\n    ... on GenerateImagesSuccess {\n      remainingCoins\n      generation {\n        ...GenerationFields\n      }\n    }\n  }\n}\n\nfragment GenerationFields on Generation {\n  id\n  status\n  mode\n  count\n  cost\n  enhancedPrompt\n  warnings\n  error\n  createdAt\n  finishedAt\n  descriptions {\n    slot\n    text\n  }\n  images {\n    url\n    width\n    height\n    contentType\n    videoPrompts {\n      version\n      text\n    }\n  }\n}"): (typeof documents)["query Me {\n  me {\n    id\n    coinsBalance\n  }\n}\n\nquery StyleCatalog {\n  styleCatalog {\n    contentTypes {\n      value\n      label\n      labelId\n    }\n    categories {\n      value\n      label\n      labelId\n    }\n    modelTypes {\n      value\n      label\n      labelId\n    }\n    interactions {\n      value\n      label\n      labelId\n    }\n    backgrounds {\n      value\n      label\n      labelId\n      note\n    }\n    styles {\n      value\n      label\n    }\n    lightings {\n      value\n      label\n    }\n    cameraAngles {\n      value\n      label\n    }\n    aspectRatios {\n      value\n      label\n    }\n    poses {\n      contentType\n      category\n      poses {\n        value\n        label\n      }\n    }\n  }\n}\n\nquery Quote($input: QuoteInput) {\n  quote(input: $input) {\n    coins\n    balance\n    affordable\n  }\n}\n\nquery GenerationById($id: ID!) {\n  generation(id: $id) {\n    ...GenerationFields\n  }\n}\n\nmutation GenerateImages($input: GenerateImagesInput!) {\n  generateImages(input: $input) {\n    __typename\n    ... on Error {\n      message\n    }\n    ... on InsufficientCoinsError {\n      required\n      balance\n    }\n    ... on InvalidImageError {\n      slot\n      reason\n    }\n    ... on InvalidInputError {\n      field\n    }\n    ... on GenerationFailedError {\n      refunded\n      generationId\n    }\n    ... on GenerateImagesSuccess {\n      remainingCoins\n      generation {\n        ...GenerationFields\n      }\n    }\n  }\n}\n\nfragment GenerationFields on Generation {\n  id\n  status\n  mode\n  count\n  cost\n  enhancedPrompt\n  warnings\n  error\n  createdAt\n  finishedAt\n  descriptions {\n    slot\n    text\n  }\n  images {\n    url\n    width\n    height\n    contentType\n    videoPrompts {\n      version\n      text\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;