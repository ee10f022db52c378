import { moduleSuite } from "../support/published";

describe("published modules, part 2 of 2", () => moduleSuite(1));
