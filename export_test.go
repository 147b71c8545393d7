package pingone

// FastRetry gives the tests outside the package (package pingone_test) the one fast retry policy.
var FastRetry = fastRetry
