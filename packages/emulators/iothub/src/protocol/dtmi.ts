/**
 * A digital twin model identifier: `dtmi:` segments of letters, digits and underscores, then `;`
 * and a version (https://github.com/Azure/digital-twin-model-identifier).
 */
export const dtmiPattern =
  /^dtmi:[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?(?::[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?)*;[1-9][0-9]{0,8}(?:\.[1-9][0-9]{0,5})?$/;
