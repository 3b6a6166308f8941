// Stands in, inside jest's module registry, for packages @pulumi/pulumi loads at import but uses only to
// serialize closures and to resolve plugin packages, which nothing under mocks does (jest.config.js).
module.exports = {};
