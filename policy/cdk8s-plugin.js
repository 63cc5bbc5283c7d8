// The ftekit policy gate for cdk8s.yaml `validations:`. cdk8s-cli loads a plugin either
// from npm into its own plugin folder or from a local path starting with "./" (it does
// not resolve package subpaths), so users name this file:
//   package: ./node_modules/ftekit/policy/cdk8s-plugin
// In code, use `require('ftekit/policy/cdk8s-plugin')` (the package's exports map).
module.exports = require('../lib/policy/cdk8s-plugin.js');
