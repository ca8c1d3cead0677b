/** ~50 believable rows so the guarded listing has something to page through on a new install. */
const ADJECTIVES = [
  'Walnut',
  'Linen',
  'Copper',
  'Ceramic',
  'Recycled',
  'Bamboo',
  'Wool',
  'Steel',
  'Oak',
  'Glass',
];
const NOUNS = ['desk organiser', 'notebook', 'mug', 'lamp', 'backpack'];

export const DEMO_PRODUCTS = ADJECTIVES.flatMap((adjective, a) =>
  NOUNS.map((noun, n) => ({
    name: `${adjective} ${noun}`,
    description: `A ${adjective.toLowerCase()} ${noun} from the demo catalogue.`,
    price: (4.99 + a * 3 + n * 7.5).toFixed(2),
  })),
);
