request = function()
  return wrk.format("GET", "/oauth2/jwks")
end
