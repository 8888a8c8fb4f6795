/** CityFlow: roadnet + flow files into a greenwave scenario. */
export * from './import.js';
