export { buildCard, domainOf, CARD_VERSION, type CardOptions, type DatasetCard, type StageCard, type CardSample, type ShardsCard, type MixtureComponent, type ClusterCard } from './dataset-card.js';
export { renderCardPage, renderCardSection } from './card-html.js';
export { writeCard, cardJsonPath } from './write-card.js';
export { BoundedCounter, type TopCounts, type CountedKey } from './bounded-counter.js';
