/** Small hand-made word lists for the demo's made-up customers, orders and units. */

export const GIVEN_NAMES = [
  "Maria", "Jonas", "Aisha", "Liam", "Sofia", "Mateo", "Hannah", "Noah", "Yuki", "Omar",
  "Elena", "Lucas", "Priya", "Finn", "Chloe", "Tomasz", "Amara", "Leo", "Ingrid", "Kwame",
  "Zoe", "Rafael", "Freya", "Ibrahim", "Nora", "Hugo", "Mei", "Oscar", "Leila", "Anton",
] as const;

export const FAMILY_NAMES = [
  "Jensen", "Okafor", "Schmidt", "García", "Nakamura", "Novak", "O'Brien", "Rossi", "Haddad", "Lindqvist",
  "Kowalski", "Dubois", "Mensah", "Fischer", "Silva", "Andersen", "Moreau", "Patel", "Müller", "Costa",
  "Byrne", "Yilmaz", "Berg", "Tanaka", "Ferreira", "Nowak", "Kaya", "Walsh", "Larsen", "Duarte",
] as const;

export const CITIES = [
  { city: "Copenhagen", country: "DK", postcode: "2100", lat: "55.6761", lon: "12.5683", dialCode: "45", locale: "da-DK", streets: ["Nørrebrogade", "Vesterbrogade"] },
  { city: "Dublin", country: "IE", postcode: "D02 X285", lat: "53.3498", lon: "-6.2603", dialCode: "353", locale: "en-IE", streets: ["Harbour Road", "Baggot Street"] },
  { city: "Lisbon", country: "PT", postcode: "1100-148", lat: "38.7223", lon: "-9.1393", dialCode: "351", locale: "pt-PT", streets: ["Rua das Flores", "Avenida da Liberdade"] },
  { city: "Hamburg", country: "DE", postcode: "20095", lat: "53.5511", lon: "9.9937", dialCode: "49", locale: "de-DE", streets: ["Kastanienallee", "Mönckebergstraße"] },
  { city: "Lyon", country: "FR", postcode: "69002", lat: "45.7640", lon: "4.8357", dialCode: "33", locale: "fr-FR", streets: ["Rue de la République", "Quai Saint-Antoine"] },
  { city: "Rotterdam", country: "NL", postcode: "3011 AD", lat: "51.9244", lon: "4.4777", dialCode: "31", locale: "nl-NL", streets: ["Witte de Withstraat", "Coolsingel"] },
  { city: "Gothenburg", country: "SE", postcode: "411 06", lat: "57.7089", lon: "11.9746", dialCode: "46", locale: "sv-SE", streets: ["Kungsgatan", "Linnégatan"] },
  { city: "Kraków", country: "PL", postcode: "31-011", lat: "50.0647", lon: "19.9450", dialCode: "48", locale: "pl-PL", streets: ["ulica Floriańska", "ulica Długa"] },
  { city: "Bologna", country: "IT", postcode: "40121", lat: "44.4949", lon: "11.3426", dialCode: "39", locale: "it-IT", streets: ["Via dell'Indipendenza", "Via Zamboni"] },
  { city: "Manchester", country: "GB", postcode: "M1 1AE", lat: "53.4808", lon: "-2.2426", dialCode: "44", locale: "en-GB", streets: ["Mill Lane", "Oldham Street"] },
  { city: "Valencia", country: "ES", postcode: "46002", lat: "39.4699", lon: "-0.3763", dialCode: "34", locale: "es-ES", streets: ["Calle de Colón", "Carrer de Russafa"] },
  { city: "Tampere", country: "FI", postcode: "33100", lat: "61.4978", lon: "23.7610", dialCode: "358", locale: "fi-FI", streets: ["Hämeenkatu", "Satakunnankatu"] },
] as const;

export const EMAIL_DOMAINS = ["example.com", "example.org", "example.net", "mail.example", "post.example"] as const;

export const LOCALES = ["en-GB", "en-IE", "da-DK", "de-DE", "fr-FR", "pt-PT", "nl-NL", "sv-SE", "pl-PL", "it-IT", "es-ES", "fi-FI"] as const;

export const CHANNELS = ["email", "sms", "push", "post"] as const;

export const CONTACT_TAGS = ["vip", "newsletter", "b2b", "late-payer", "referral", "beta", "warranty-plus", "multi-site", "landlord"] as const;

export const CONSENT_PURPOSES = ["marketing", "analytics", "partner-offers", "service-updates"] as const;

export const ADDRESS_LABELS = ["home", "work", "billing", "holiday-home"] as const;

export const SERVICE_TYPES = [
  { code: "BOILER-SERVICE", description: "Annual boiler service", price: "129.00" },
  { code: "HEATPUMP-CHECK", description: "Heat pump health check", price: "165.50" },
  { code: "RADIATOR-BLEED", description: "Radiator bleeding and balancing", price: "59.90" },
  { code: "EMERGENCY-CALLOUT", description: "Emergency call-out", price: "240.00" },
  { code: "THERMOSTAT-INSTALL", description: "Smart thermostat installation", price: "89.00" },
  { code: "GAS-SAFETY", description: "Gas safety certificate", price: "75.00" },
  { code: "FILTER-REPLACE", description: "Filter replacement", price: "34.95" },
] as const;

export const PARTS = [
  { sku: "PRT-1042", description: "Pressure relief valve", price: "18.40" },
  { sku: "PRT-2210", description: "Expansion vessel 8 L", price: "46.00" },
  { sku: "PRT-0815", description: "Ignition electrode", price: "12.75" },
  { sku: "PRT-3301", description: "Magnetic filter cartridge", price: "22.10" },
  { sku: "PRT-4470", description: "Flow sensor", price: "31.60" },
  { sku: "PRT-5128", description: "Condensate pump", price: "58.20" },
] as const;

export const TECHNICIANS = [
  { id: "tech-07", name: "Anders Holm" },
  { id: "tech-12", name: "Grace Mwangi" },
  { id: "tech-19", name: "Piotr Zieliński" },
  { id: "tech-23", name: "Siobhán Kelly" },
  { id: "tech-31", name: "Marco Bianchi" },
  { id: "tech-42", name: "Lena Vogel" },
] as const;

export const ORDER_NOTES = [
  "Customer asked for a morning slot.",
  "Dog on site, ring before entering.",
  "Access code 4411 for the back gate.",
  "Parts ordered, second visit needed.",
  "Rescheduled at the customer's request.",
  "Duplicate of an order raised by phone.",
] as const;

export const UNIT_MODELS = [
  { type: "boiler", manufacturer: "Vaillant", model: "ecoTEC plus 832" },
  { type: "boiler", manufacturer: "Worcester", model: "Greenstar 30i" },
  { type: "heat-pump", manufacturer: "Daikin", model: "Altherma 3 H HT" },
  { type: "heat-pump", manufacturer: "Mitsubishi", model: "Ecodan PUZ-WM85" },
  { type: "water-heater", manufacturer: "Ariston", model: "Velis Evo 80" },
  { type: "thermostat", manufacturer: "Tado", model: "Smart Thermostat X" },
  { type: "air-handler", manufacturer: "Nilan", model: "Comfort 300" },
] as const;

export const SITE_NAMES = ["Main house", "Garage", "Plant room", "Basement", "Loft", "Utility room", "Block B", "Unit 4"] as const;

export const FIRMWARE_VERSIONS = ["3.2.1", "3.4.0", "4.0.2", "4.1.0-rc2", "2.9.14"] as const;
