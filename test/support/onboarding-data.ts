/** Valid step data for the onboarding example, shared by tests that drive it. */
export const personalInfo = {
  firstName: "Ada",
  lastName: "Lovelace",
  email: "ada@example.com",
  dateOfBirth: "1990-12-10",
};

export const employeeContract = {
  contractType: "employee",
  startDate: "2027-01-04",
  role: "Engineer",
};

export const contractorContract = { ...employeeContract, contractType: "contractor" };

export const companyDetails = { companyName: "Analytical Engines Ltd", vatId: "GB123456789" };

export const review = { acceptTerms: true };

/** The contractor path of the walkthrough: four step writes, by step number. */
/** The data a contractor's finished onboarding holds, keyed by step name. */
export const contractorData = {
  "personal-info": personalInfo,
  "contract-details": contractorContract,
  "company-details": companyDetails,
  review,
};

export const contractorWalkthrough: ReadonlyArray<readonly [string, unknown]> = [
  ["1", personalInfo],
  ["2", contractorContract],
  ["3", companyDetails],
  ["4", review],
];

/** A JSON request with the given method and body. */
export function jsonRequest(
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
): RequestInit {
  return {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}
