import { moduleSuite } from "../support/published";

describe("published modules, part 1 of 2", () => moduleSuite(0));
