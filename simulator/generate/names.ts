// Word lists for the synthetic tenant. Plain data, no behaviour.

export const FIRST_NAMES: readonly string[] = [
  'Adele', 'Alex', 'Allan', 'Amelia', 'Ana', 'Andre', 'Anika', 'Arjun', 'Aylin', 'Ben', 'Bianca',
  'Carlos', 'Chen', 'Chloe', 'Christie', 'Daniel', 'Debra', 'Diego', 'Elena', 'Emily', 'Enrico',
  'Fatima', 'Felix', 'Grace', 'Hannah', 'Hiroshi', 'Isaiah', 'Ivan', 'Jana', 'Johanna', 'Jonas',
  'Joni', 'Kenji', 'Laura', 'Lee', 'Leila', 'Lidia', 'Lucas', 'Lynne', 'Maria', 'Mateo', 'Megan',
  'Miriam', 'Mohammed', 'Nestor', 'Nia', 'Noah', 'Olga', 'Omar', 'Patti', 'Pradeep', 'Priya',
  'Rafael', 'Ravi', 'Rosa', 'Sakura', 'Samuel', 'Sara', 'Sofia', 'Tomasz', 'Uma', 'Victor',
  'Wei', 'Yara', 'Yusuf', 'Zoe',
];

export const LAST_NAMES: readonly string[] = [
  'Abbott', 'Adeyemi', 'Alvarez', 'Andersen', 'Bauer', 'Becker', 'Brown', 'Castillo', 'Chen',
  'Costa', 'Dubois', 'Eriksson', 'Fernandes', 'Fischer', 'Garcia', 'Gupta', 'Haddad', 'Hansen',
  'Ito', 'Jensen', 'Johansson', 'Kim', 'Kowalski', 'Kumar', 'Larsen', 'Lopez', 'Martin', 'Meyer',
  'Mori', 'Müller', 'Nakamura', 'Nguyen', 'Novak', 'Okafor', 'Olsen', 'Patel', 'Petrov', 'Popescu',
  'Rossi', 'Santos', 'Schmidt', 'Silva', 'Singh', 'Smith', 'Sørensen', 'Tanaka', 'Taylor', 'Torres',
  'Varga', 'Wagner', 'Walker', 'Wang', 'Weber', 'Williams', 'Wilson', 'Yamamoto', 'Zhang',
];

/** Department → job titles typical of it. */
export const DEPARTMENTS: Readonly<Record<string, readonly string[]>> = {
  Engineering: ['Software Engineer', 'Senior Software Engineer', 'Principal Engineer', 'Engineering Manager', 'Site Reliability Engineer', 'QA Engineer'],
  'IT Operations': ['Systems Administrator', 'IT Support Specialist', 'Identity Engineer', 'IT Manager', 'Network Engineer'],
  Security: ['Security Analyst', 'Security Engineer', 'CISO', 'GRC Specialist'],
  Sales: ['Account Executive', 'Sales Development Representative', 'Regional Sales Director', 'Sales Engineer'],
  Marketing: ['Marketing Manager', 'Content Strategist', 'Product Marketing Manager', 'Designer'],
  Finance: ['Accountant', 'Financial Analyst', 'Controller', 'CFO', 'Payroll Specialist'],
  'Human Resources': ['HR Business Partner', 'Recruiter', 'HR Director', 'People Operations Specialist'],
  Legal: ['Corporate Counsel', 'Paralegal', 'General Counsel'],
  'Customer Success': ['Customer Success Manager', 'Support Engineer', 'Support Team Lead'],
  Operations: ['Operations Manager', 'Office Manager', 'Facilities Coordinator', 'COO'],
  Product: ['Product Manager', 'Senior Product Manager', 'UX Researcher', 'VP Product'],
};

export const OFFICES: readonly { city: string; country: string; usageLocation: string; language: string }[] = [
  { city: 'Seattle', country: 'United States', usageLocation: 'US', language: 'en-US' },
  { city: 'New York', country: 'United States', usageLocation: 'US', language: 'en-US' },
  { city: 'London', country: 'United Kingdom', usageLocation: 'GB', language: 'en-GB' },
  { city: 'Berlin', country: 'Germany', usageLocation: 'DE', language: 'de-DE' },
  { city: 'Paris', country: 'France', usageLocation: 'FR', language: 'fr-FR' },
  { city: 'Amsterdam', country: 'Netherlands', usageLocation: 'NL', language: 'nl-NL' },
  { city: 'Bangalore', country: 'India', usageLocation: 'IN', language: 'en-IN' },
  { city: 'Tokyo', country: 'Japan', usageLocation: 'JP', language: 'ja-JP' },
  { city: 'São Paulo', country: 'Brazil', usageLocation: 'BR', language: 'pt-BR' },
  { city: 'Sydney', country: 'Australia', usageLocation: 'AU', language: 'en-AU' },
];

export const COMPANY_NAMES: readonly string[] = [
  'Contoso', 'Fabrikam', 'Northwind Traders', 'Tailspin Toys', 'Woodgrove Bank', 'Adatum',
  'Litware', 'Proseware', 'Wingtip Toys', 'Alpine Ski House', 'Coho Winery', 'Lamna Healthcare',
];

/** Domains guests are invited from. */
export const GUEST_EMAIL_DOMAINS: readonly string[] = [
  'gmail.com', 'outlook.com', 'partner-consulting.com', 'acme-audit.com', 'supplier.io',
  'freelance.dev', 'agency.co.uk', 'yahoo.com',
];
