import { takeViolations } from './openapi-conformance';

// Every e2e test fails when a response it caused disagrees with the OpenAPI document (issue 15).
afterEach(() => {
  expect(takeViolations()).toEqual([]);
});
