export { closestName, editDistance, isAnagram } from '../util/closest-name.js';
