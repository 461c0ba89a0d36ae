{
  # Test-only: the native helper test/rio-real.test.ts drives real RIO with.
  # Never shipped (package.json "files" names only the root binding.gyp and
  # native/) and never built by npm install or prebuildify. npm test builds it
  # on Windows (scripts/build-test-helpers.js); npm run test:windows
  # cross-builds it for Wine (scripts/windows/build.js reads this file).
  "targets": [
    {
      "target_name": "rio_loopback",
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"
      ],
      "defines": ["NAPI_VERSION=8"],
      "conditions": [
        # Winsock only: elsewhere there is nothing for it to talk to.
        ["OS=='win'", {
          "sources": [
            "binding.cc",
            "rio_loopback.cc",
            "../../native/js_error.cc",
            "../../native/os_error.cc"
          ],
          "libraries": ["-lws2_32"],
          "msvs_settings": {"VCCLCompilerTool": {"AdditionalOptions": ["/std:c++17"]}}
        }]
      ]
    }
  ]
}
