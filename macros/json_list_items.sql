{% macro json_list_items(json_text, alias) -%}
    {#- Joined after a relation: one row per element of the JSON list of objects in json_text
        (null or blank: no row), as column `value` of `alias`; read a key with json_item_text. -#}
    {{- return(adapter.dispatch('json_list_items')(json_text, alias)) -}}
{%- endmacro %}

{% macro default__json_list_items(json_text, alias) -%}
    cross join lateral jsonb_array_elements(
        cast(nullif(trim({{ json_text }}), '') as jsonb)
    ) as {{ alias }} (value)
{%- endmacro %}

{% macro spark__json_list_items(json_text, alias) -%}
    lateral view explode(
        from_json(nullif(trim({{ json_text }}), ''), 'array<map<string,string>>')
    ) {{ alias }} as value
{%- endmacro %}
